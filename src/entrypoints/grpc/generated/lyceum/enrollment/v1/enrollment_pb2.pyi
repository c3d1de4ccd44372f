from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Enrollment(_message.Message):
    __slots__ = ("id", "course_id", "cohort_id", "revision", "status", "source", "enrolled_at", "access_until", "completed_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    ENROLLED_AT_FIELD_NUMBER: _ClassVar[int]
    ACCESS_UNTIL_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    course_id: str
    cohort_id: str
    revision: int
    status: str
    source: str
    enrolled_at: str
    access_until: str
    completed_at: str
    def __init__(self, id: _Optional[str] = ..., course_id: _Optional[str] = ..., cohort_id: _Optional[str] = ..., revision: _Optional[int] = ..., status: _Optional[str] = ..., source: _Optional[str] = ..., enrolled_at: _Optional[str] = ..., access_until: _Optional[str] = ..., completed_at: _Optional[str] = ...) -> None: ...

class WaitlistEntry(_message.Message):
    __slots__ = ("id", "course_id", "cohort_id", "position", "status", "joined_at", "offer_expires_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    OFFER_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    course_id: str
    cohort_id: str
    position: int
    status: str
    joined_at: str
    offer_expires_at: str
    def __init__(self, id: _Optional[str] = ..., course_id: _Optional[str] = ..., cohort_id: _Optional[str] = ..., position: _Optional[int] = ..., status: _Optional[str] = ..., joined_at: _Optional[str] = ..., offer_expires_at: _Optional[str] = ...) -> None: ...

class ListMyEnrollmentsRequest(_message.Message):
    __slots__ = ("cursor", "limit")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    limit: int
    def __init__(self, cursor: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListMyEnrollmentsResponse(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Enrollment]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[Enrollment, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class EnrollRequest(_message.Message):
    __slots__ = ("course_id", "cohort_id")
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    course_id: str
    cohort_id: str
    def __init__(self, course_id: _Optional[str] = ..., cohort_id: _Optional[str] = ...) -> None: ...

class EnrollResponse(_message.Message):
    __slots__ = ("enrollment", "waitlist_entry")
    ENROLLMENT_FIELD_NUMBER: _ClassVar[int]
    WAITLIST_ENTRY_FIELD_NUMBER: _ClassVar[int]
    enrollment: Enrollment
    waitlist_entry: WaitlistEntry
    def __init__(self, enrollment: _Optional[_Union[Enrollment, _Mapping]] = ..., waitlist_entry: _Optional[_Union[WaitlistEntry, _Mapping]] = ...) -> None: ...

class CheckAccessRequest(_message.Message):
    __slots__ = ("course_id",)
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    course_id: str
    def __init__(self, course_id: _Optional[str] = ...) -> None: ...

class CheckAccessResponse(_message.Message):
    __slots__ = ("has_access",)
    HAS_ACCESS_FIELD_NUMBER: _ClassVar[int]
    has_access: bool
    def __init__(self, has_access: _Optional[bool] = ...) -> None: ...
