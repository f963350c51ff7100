"""Insert many new rows of one model in one statement, for the hot paths (a phone's batch of records).

``QuerySet.bulk_create`` runs each value through several layers of field machinery (pre_save, prep,
db_prep, adapters): for 50 activities that is ~1,100 values and most of a batch's CPU time. Here each
field's conversion is chosen once per model and database: values the driver takes as they are (text,
numbers, foreign keys; dates and UUIDs on PostgreSQL) are passed straight through; every other field goes
through ``Field.get_db_prep_save`` as ``bulk_create`` would. ``auto_now``/``auto_now_add`` fields and
defaults behave as in ``bulk_create`` (defaults are set when the instance is made). The new primary keys
are set on the instances, in order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

# Internal types whose Python value the database driver takes as it is, on every database.
_AS_IS = frozenset(
    {
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "URLField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "FloatField",
        "BooleanField",
    }
)
# ... and on PostgreSQL only (psycopg adapts them; Django's own adapters return them unchanged there).
_AS_IS_POSTGRESQL = frozenset({"DateField", "DateTimeField", "UUIDField"})

_plans: dict[tuple[str, str], list[tuple[models.Field[Any, Any], Callable[[Any], Any] | None, bool]]] = {}


def _plan(model: type[models.Model]) -> list[tuple[models.Field[Any, Any], Callable[[Any], Any] | None, bool]]:
    """(field, conversion or None for "as it is", whether it is set on save) for each column to insert."""
    key = (model._meta.label, connection.vendor)
    if key not in _plans:
        plan = []
        for field in model._meta.concrete_fields:
            if field.primary_key and isinstance(field, models.AutoField | models.BigAutoField):
                continue
            internal = (field.target_field if field.is_relation else field).get_internal_type()  # type: ignore[attr-defined]
            as_is = (internal in _AS_IS and not field.is_relation) or (
                connection.vendor == "postgresql" and internal in _AS_IS_POSTGRESQL
            )
            if field.is_relation and internal in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField"):
                as_is = True  # a foreign key's id
            stamped = bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
            convert = None if as_is else _converter(field)
            plan.append((field, convert, stamped))
        _plans[key] = plan
    return _plans[key]


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    return convert


# Called with each batch before it is written, like ``pre_save`` for ``save()`` (which this path skips):
# apps register row guards here (cdtt.privacy masks ID numbers typed into free text).
BEFORE_INSERT: list[Callable[[Sequence[models.Model]], None]] = []


def insert_many(objs: Sequence[models.Model]) -> None:
    """Insert these new instances of one model in one statement and set their primary keys."""
    if not objs:
        return
    for guard in BEFORE_INSERT:
        guard(objs)
    model = type(objs[0])
    plan = _plan(model)
    params: list[Any] = []
    for obj in objs:
        if obj.pk is not None or type(obj) is not model:
            raise ValueError("insert_many takes new instances of one model")
        for field, convert, stamped in plan:
            value = field.pre_save(obj, True) if stamped else getattr(obj, field.attname)
            params.append(value if convert is None or value is None else convert(value))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field, _convert, _stamped in plan)
    pk = model._meta.pk
    if pk is None:  # every concrete model has one
        raise ValueError(f"{model._meta.label} has no primary key")
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        # One array per column: a short statement whatever the number of rows, which the driver parses
        # once and keeps (a VALUES list of a thousand placeholders is parsed again on every call).
        width = len(plan)
        arrays = [params[n::width] for n in range(width)]
        types = [str(field.db_type(connection)).split("(")[0] for field, _convert, _stamped in plan]
        source = "SELECT * FROM UNNEST(" + ", ".join(f"%s::{db_type}[]" for db_type in types) + ")"  # noqa: S608
        params = arrays
    else:
        row = "(" + ", ".join(["%s"] * len(plan)) + ")"
        source = "VALUES " + ", ".join([row] * len(objs))
    # Table, column and type names come from the model, never from input.
    sql = f"INSERT INTO {table} ({columns}) {source} RETURNING {quote(str(pk.column))}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) != len(objs):
        raise RuntimeError("the database returned fewer ids than rows inserted")
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = connection.alias
