"""Roles and the permission matrix, declared as data. Every route and RPC names a permission;
object-level rules ("only your own things") live in the policies next to each aggregate."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from core.shared.errors import PermissionDenied


class Role(enum.StrEnum):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"
    SUPER_ADMIN = "super_admin"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Role.STUDENT: 0, Role.INSTRUCTOR: 1, Role.ADMIN: 2, Role.SUPER_ADMIN: 3}


class Permission(enum.StrEnum):
    # own account
    PROFILE_READ_OWN = "profile:read:own"
    PROFILE_EDIT_OWN = "profile:edit:own"
    SESSIONS_MANAGE_OWN = "sessions:manage:own"
    USERS_SEARCH_PUBLIC = "users:search:public"  # find instructors and students who show themselves
    # learning and teaching
    COURSES_READ = "courses:read"
    COURSES_AUTHOR = "courses:author"
    COURSES_REVIEW = "courses:review"
    STUDENTS_VIEW_OWN_COURSES = "students:view:own-courses"
    ENROLL = "enrollments:enroll"  # join courses and waitlists oneself
    ENROLLMENTS_MANAGE = "enrollments:manage"  # anyone's enrollments, any course's cohorts
    # administration
    USERS_SEARCH_ALL = "users:search:all"
    USERS_ADMINISTER = "users:administer"
    USERS_BULK = "users:bulk"
    ROLES_GRANT_BASIC = "roles:grant:basic"  # student <-> instructor
    ROLES_GRANT_ADMIN = "roles:grant:admin"  # to and from admin
    AUDIT_READ = "audit:read"
    PLATFORM_CONFIGURE = "platform:configure"
    CATEGORIES_MANAGE = "categories:manage"
    PRICING_MANAGE = "pricing:manage"  # coupons and scheduled sales
    PAYMENTS_MANAGE = "payments:manage"  # refunds


_STUDENT = frozenset(
    {
        Permission.PROFILE_READ_OWN,
        Permission.PROFILE_EDIT_OWN,
        Permission.SESSIONS_MANAGE_OWN,
        Permission.USERS_SEARCH_PUBLIC,
        Permission.COURSES_READ,
        Permission.ENROLL,
    }
)
_INSTRUCTOR = _STUDENT | {Permission.COURSES_AUTHOR, Permission.STUDENTS_VIEW_OWN_COURSES}
_ADMIN = _INSTRUCTOR | {
    Permission.COURSES_REVIEW,
    Permission.ENROLLMENTS_MANAGE,
    Permission.USERS_SEARCH_ALL,
    Permission.USERS_ADMINISTER,
    Permission.USERS_BULK,
    Permission.ROLES_GRANT_BASIC,
    Permission.AUDIT_READ,
    Permission.CATEGORIES_MANAGE,
    Permission.PRICING_MANAGE,
    Permission.PAYMENTS_MANAGE,
}
_SUPER_ADMIN = _ADMIN | {Permission.ROLES_GRANT_ADMIN, Permission.PLATFORM_CONFIGURE}

PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.STUDENT: _STUDENT,
    Role.INSTRUCTOR: _INSTRUCTOR,
    Role.ADMIN: _ADMIN,
    Role.SUPER_ADMIN: _SUPER_ADMIN,
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


def require(role: Role, permission: Permission) -> None:
    if not allowed(role, permission):
        raise PermissionDenied("auth.forbidden", "you are not allowed to do this", {"permission": permission.value})


def check_role_change(*, actor_id: object, actor_role: Role, target_id: object, old: Role, new: Role) -> None:
    """Who may set whose role: nobody their own; only a Super Admin touches Admin and above."""
    if actor_id == target_id:
        raise PermissionDenied("users.own_role", "nobody can change their own role")
    if Role.ADMIN in (old, new) or Role.SUPER_ADMIN in (old, new) or old.rank >= Role.ADMIN.rank:
        require(actor_role, Permission.ROLES_GRANT_ADMIN)
        if Role.SUPER_ADMIN in (old, new):
            # Super Admins are made at install time (CLI); the API never mints or demotes them.
            raise PermissionDenied("users.super_admin_role", "super admin is granted only from the CLI")
    else:
        require(actor_role, Permission.ROLES_GRANT_BASIC)
