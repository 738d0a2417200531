"""Chat turns charged against the ledger: hold, spend, release, the token_balance error."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from httpx_sse import EventSource

from application.billing.config import BalanceSettings
from application.chat.catalog import Endpoint
from domain.billing.ledger import LedgerAccount
from domain.billing.rules import account_id
from infrastructure.chat.echo import EchoModel
from tests.e2e.conftest import Api
from tests.streaming import until_text_streamed

ROOT = "00000000-0000-0000-0000-000000000000"
MODES = ["sqlite", "distributed"]


def _start(api: Api, me: dict[str, str], text: str, endpoint: str = "echo") -> dict[str, Any]:
    response = api.client.post(
        f"/api/agents/chat/{endpoint}",
        headers=me,
        json={"text": text, "conversationId": None, "parentMessageId": ROOT},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _read(api: Api, me: dict[str, str], stream_id: str) -> list[tuple[str, dict[str, Any]]]:
    with api.client.stream("GET", f"/api/agents/chat/stream/{stream_id}", headers=me) as stream:
        return [(sse.event, sse.json()) for sse in EventSource(stream).iter_sse()]


def _account(api: Api, me: dict[str, str]) -> LedgerAccount:
    user_id = UUID(api.client.get("/api/user", headers=me).json()["id"])
    return api.container.stores["billing"].load(LedgerAccount, account_id(user_id))


def _credits(api: Api, me: dict[str, str]) -> Any:
    return api.client.get("/api/balance", headers=me).json()["tokenCredits"]


@pytest.mark.parametrize("mode", MODES)
def test_a_turn_holds_then_posts_the_reported_usage(api_for: Callable[..., Api], mode: str) -> None:
    api = api_for(mode, balance=BalanceSettings(enabled=True, start_balance=5000))
    me = api.user("payer@example.com")
    started = _start(api, me, "hello there")
    assert _read(api, me, started["streamId"])[-1][1]["final"] is True
    # echo reports 2 prompt words and 3 completion words; "echo" has LibreChat's default rate 6
    assert _credits(api, me) == 5000 - (2 + 3) * 6
    account = _account(api, me)
    assert account.held == 0 and not account.holds
    turn = next(t for t in account.transfers if t.endswith(":hold"))[: -len(":hold")]
    assert {f"{turn}:hold", f"{turn}:spend"} <= set(account.transfers)
    assert account.transfers[f"{turn}:spend"].receipt.amount == -30


@pytest.mark.parametrize("mode", MODES)
def test_not_enough_credit_is_librechats_token_balance_error(
    api_for: Callable[..., Api], mode: str
) -> None:
    api = api_for(mode, balance=BalanceSettings(enabled=True, start_balance=10))
    me = api.user("poor@example.com")
    started = _start(api, me, "hello there")
    frames = _read(api, me, started["streamId"])
    event, data = frames[-1]
    assert event == "error"
    # the prompt as LibreChat counts it: 3 + "user" (1) + "hello there" (2) tokens, at rate 6
    assert json.loads(data["error"]) == {
        "type": "token_balance",
        "balance": 10,
        "tokenCost": 36,
        "promptTokens": 6,
    }
    assert not any(d.get("event") == "on_run_step" for _, d in frames)
    saved = api.client.get(f"/api/messages/{started['conversationId']}", headers=me).json()
    assert [m["text"] for m in saved] == ["hello there"]  # the user message only, as LibreChat
    assert _credits(api, me) == 10


def test_an_aborted_turn_is_charged_as_incomplete(api_for: Callable[..., Api]) -> None:
    api = api_for("sqlite", balance=BalanceSettings(enabled=True, start_balance=100_000))
    api.container.chat.catalog.add(Endpoint("slow", EchoModel(0.05), ["slow"], label="Slow"))
    me = api.user("stopper@example.com")
    started = _start(api, me, " ".join(f"w{n}" for n in range(30)), endpoint="slow")
    api.client.blocking_portal.call(
        until_text_streamed, api.container.chat.bus, started["streamId"]
    )
    api.client.post("/api/agents/chat/abort", headers=me, json={"streamId": started["streamId"]})
    assert _read(api, me, started["streamId"])[-1][1]["aborted"] is True
    account = _account(api, me)
    spend = next(t for t in account.transfers.values() if t.receipt.kind == "spend")
    terms = json.loads(spend.terms)
    assert [line["context"] for line in terms["lines"]] == ["incomplete", "incomplete"]
    prompt, completion = terms["lines"]
    assert prompt["rate"] == 6 and completion["rate"] == pytest.approx(6 * 1.15)
    assert account.held == 0 and account.balance == 100_000 + spend.receipt.amount < 100_000


def test_no_charge_and_no_hold_while_balance_is_off(embedded_api: Api) -> None:
    me = embedded_api.user("free@example.com")
    started = _start(embedded_api, me, "hello there")
    assert _read(embedded_api, me, started["streamId"])[-1][1]["final"] is True
    assert embedded_api.events("billing") == 0


@pytest.mark.parametrize("mode", MODES)
def test_read_models_hold_librechats_transactions_and_daily_usage(
    api_for: Callable[..., Api], mode: str
) -> None:
    import sqlalchemy as sa

    from projections.billing.transactions import DAILY_USAGE, LEDGER_ENTRIES, TRANSACTIONS

    api = api_for(mode, balance=BalanceSettings(enabled=True, start_balance=5000))
    me, other = api.user("rows@example.com"), api.user("other@example.com")
    for text in ("hello there", "and again"):
        _read(api, me, _start(api, me, text)["streamId"])
    user_id = str(_account(api, me).user_id)
    api.container.projections.catch_up("transactions")
    with api.container.db.connect() as conn:
        mine = TRANSACTIONS.c.user_id == user_id
        rows = conn.execute(sa.select(TRANSACTIONS).where(mine)).mappings().all()
        entries = conn.execute(
            sa.select(
                sa.func.sum(LEDGER_ENTRIES.c.amount), sa.func.sum(LEDGER_ENTRIES.c.held)
            ).where(LEDGER_ENTRIES.c.user_id == user_id)
        ).one()
        daily = conn.execute(sa.select(DAILY_USAGE).where(DAILY_USAGE.c.user_id == user_id))
        daily = daily.mappings().all()
        others = conn.execute(sa.select(sa.func.count()).where(TRANSACTIONS.c.user_id != user_id))
        assert others.scalar() == 1  # the other user's start balance only
    kinds = sorted((r["token_type"], r["context"]) for r in rows)
    assert kinds == [
        ("completion", "message"),
        ("completion", "message"),
        ("credits", "startBalance"),
        ("prompt", "message"),
        ("prompt", "message"),
    ]
    prompt = next(r for r in rows if r["token_type"] == "prompt")
    assert prompt["rate"] == 6 and prompt["model"] == "echo" and prompt["message_id"]
    assert entries == (_credits(api, me), 0)  # the entries sum to the balance; no hold open
    assert len(daily) == 1 and daily[0]["turns"] == 2 and daily[0]["model"] == "echo"
    assert daily[0]["credits_spent"] == 5000 - _credits(api, me)
    assert other


def _openai(api: Api, url: str) -> None:
    from infrastructure.chat.openai import OpenAIModel

    api.container.chat.catalog.add(
        Endpoint("openAI", OpenAIModel("sk-test", f"{url}/v1", timeout=5), ["gpt-4o"])
    )


def _spends(account: LedgerAccount) -> dict[str, dict[str, Any]]:
    return {
        tid: json.loads(t.terms) for tid, t in account.transfers.items() if tid.endswith(":spend")
    }


def test_provider_usage_with_cache_reads_and_the_title_are_charged(
    api_for: Callable[..., Api],
) -> None:
    from tests.fakes.provider_server import running_provider_server

    api = api_for("sqlite", balance=BalanceSettings(enabled=True, start_balance=1_000_000))
    me = api.user("cached@example.com")
    with running_provider_server() as url:
        _openai(api, url)
        started = api.client.post(
            "/api/agents/chat/openAI",
            headers=me,
            json={
                "text": "Name this chat [[cache]]",
                "conversationId": None,
                "parentMessageId": ROOT,
                "model": "gpt-4o",
            },
        ).json()
        assert _read(api, me, started["streamId"])[-1][1]["final"] is True
        cid = started["conversationId"]
        assert api.client.get(f"/api/convos/gen_title/{cid}", headers=me).status_code == 200
    spends = _spends(_account(api, me))
    title = spends.pop(f"turn:title:{cid}:spend")
    assert [line["context"] for line in title["lines"]] == ["title", "title"]
    (message,) = spends.values()
    prompt, completion = message["lines"]
    assert prompt["model"] == "gpt-4o" and prompt["read_tokens"] == -3  # the fake's cache read
    assert prompt["input_tokens"] < 0 and completion["rate"] == 10  # gpt-4o: $10 per 1M out
    account = _account(api, me)
    assert account.balance == 1_000_000 + sum(
        t.receipt.amount for tid, t in account.transfers.items() if tid.endswith(":spend")
    )
