from __future__ import annotations

import uuid

import pytest

from core.shared.errors import InvalidInput
from core.shared.ids import new_id, parse_id


def test_ids_are_uuid_version_7_with_rfc_variant() -> None:
    value = new_id()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_ids_are_strictly_increasing_within_a_process() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_parse_id_turns_garbage_into_a_domain_error() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_id("not-a-uuid", what="category_id")
    assert err.value.details == {"field": "category_id"}
