"""A mypy plugin: a table model's field read on the class is a column, not a value.

SQLModel declares `Volunteer.id: int | None`, so mypy takes `Volunteer.id.in_(...)` or
`Volunteer.left_at.is_(None)` for a call on an int or a datetime. At run time the class attribute
is SQLAlchemy's `InstrumentedAttribute`; this plugin tells mypy so (SQLAlchemy 2.1 dropped its own
plugin, which never knew SQLModel). Read on an instance the field keeps its declared type.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from mypy.build import PRI_MED
from mypy.nodes import (
    AssignmentStmt,
    CallExpr,
    ClassDef,
    Expression,
    MypyFile,
    NameExpr,
    TypeInfo,
    Var,
)
from mypy.plugin import AttributeContext, ClassDefContext, Plugin
from mypy.types import Instance, Type
from mypy.types_utils import remove_optional

SQLMODEL = "sqlmodel.main.SQLModel"
COLUMN = "sqlalchemy.orm.attributes.InstrumentedAttribute"
MARK = "muster.sqlmodel_table"


class SQLModelColumns(Plugin):
    def get_customize_class_mro_hook(
        self, fullname: str
    ) -> Callable[[ClassDefContext], None] | None:
        # Called for every class (pydantic's plugin takes the base-class hook of each model).
        return _mark_table

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        # Loaded for every module, so the column type is known even when mypy rechecks one
        # module against a cache that holds nothing of SQLAlchemy's ORM.
        return [(PRI_MED, COLUMN.rpartition(".")[0], -1)]

    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        owner, _, name = fullname.rpartition(".")
        node = self.lookup_fully_qualified(owner)
        if node is None or not isinstance(node.node, TypeInfo) or not _is_table(node.node):
            return None
        field = node.node.names.get(name)
        if field is None or not isinstance(field.node, Var) or field.node.is_classvar:
            return None
        column = self.lookup_fully_qualified(COLUMN)
        if column is None or not isinstance(column.node, TypeInfo):
            return None
        primary_key = name in node.node.metadata[MARK]["primary_key"]
        return partial(_as_column, column.node, primary_key)


def _mark_table(ctx: ClassDefContext) -> None:
    # Noted in the class's metadata, which mypy's cache keeps (the class statement it doesn't).
    if _is_true(ctx.cls.keywords.get("table")):
        ctx.cls.info.metadata[MARK] = {"primary_key": _primary_keys(ctx.cls)}


def _primary_keys(cls: ClassDef) -> list[str]:
    """The fields declared ``Field(..., primary_key=True)``: ``None`` before the insert, never
    in a row read back, so their column is typed without it."""
    keys = []
    for statement in cls.defs.body:
        if not isinstance(statement, AssignmentStmt) or not isinstance(statement.rvalue, CallExpr):
            continue
        call, target = statement.rvalue, statement.lvalues[0]
        named = dict(zip(call.arg_names, call.args, strict=True))
        if isinstance(target, NameExpr) and _is_true(named.get("primary_key")):
            keys.append(target.name)
    return keys


def _is_true(expression: Expression | None) -> bool:
    return isinstance(expression, NameExpr) and expression.name == "True"


def _is_table(info: TypeInfo) -> bool:
    return MARK in info.metadata and info.has_base(SQLMODEL)


def _as_column(column: TypeInfo, primary_key: bool, ctx: AttributeContext) -> Type:
    if ctx.is_lvalue:
        return ctx.default_attr_type
    value = remove_optional(ctx.default_attr_type) if primary_key else ctx.default_attr_type
    return Instance(column, [value])


def plugin(version: str) -> type[Plugin]:
    return SQLModelColumns
