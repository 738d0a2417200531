"""Built-in tools: `calculator`, arithmetic on numbers (no names, no calls), so an agent can
use a tool without any external service."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from application.agents.tools import Tool
from application.chat.ports import ToolSpec

_OPS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
MAX_EXPRESSION = 200


class Calculator:
    spec = ToolSpec(
        name="calculator",
        description="Evaluates an arithmetic expression (+ - * / %, parentheses).",
        parameters={
            "type": "object",
            "properties": {"input": {"type": "string", "description": "e.g. (2 + 3) * 4"}},
            "required": ["input"],
        },
    )
    timeout = 5.0

    async def call(self, args: dict[str, Any]) -> str:
        expression = str(args.get("input", ""))
        if len(expression) > MAX_EXPRESSION:
            raise ValueError(f"expression longer than {MAX_EXPRESSION} characters")
        return str(_evaluate(ast.parse(expression, mode="eval").body))


def _evaluate(node: ast.AST) -> float | int:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value: float | int = node.value  # type: ignore[assignment]
        return value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _evaluate(node.left), _evaluate(node.right)
        return _OPS[type(node.op)](left, right)  # type: ignore[no-any-return]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.operand))  # type: ignore[no-any-return]
    raise ValueError("only numbers and + - * / % are allowed")


class BuiltinTools:
    """The built-in tools, by name (tests add their own sources beside it)."""

    def __init__(self, tools: Sequence[Tool] = (Calculator(),)) -> None:
        self.by_name = {tool.spec.name: tool for tool in tools}

    def tools(self, user_id: UUID, names: Sequence[str]) -> list[Tool]:
        return [self.by_name[n] for n in names if n in self.by_name]
