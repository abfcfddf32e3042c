"""Flood limits, blocked users and network drops while answering."""

from __future__ import annotations

from tests.conftest import translated


async def test_a_flood_limit_is_waited_out_and_the_reply_arrives(app, chat, sleeps):
    user = chat()
    user.session.fail_next(
        429, "Too Many Requests: retry after 7", retry_after=7, method="sendMessage"
    )
    sent = await user.send("/help")
    replies = [s for s in sent if s.name == "sendMessage"]
    assert len(replies) == 2  # refused once, then delivered
    assert sleeps == [7]
    assert "/profile" in replies[-1].text


async def test_network_drops_are_retried_with_backoff(app, chat, sleeps):
    user = chat()
    user.session.fail_next(0, "connection reset", method="sendMessage", times=2)
    sent = await user.send("/menu")
    assert [s.name for s in sent] == ["sendMessage"] * 3
    assert sleeps == [1.0, 2.0]


async def test_when_retries_run_out_the_user_still_gets_an_apology(app, chat, sleeps):
    user = chat(lang="kk")
    user.session.fail_next(0, "connection reset", method="sendMessage", times=4)
    sent = await user.send("/menu")
    assert sent[-1].text == translated(
        app,
        "kk",
        "😔 Sorry, something went wrong on my side. Nothing you entered is lost: "
        "please try again, or open /menu.",
    )


async def test_a_user_who_blocked_the_bot_is_marked_inactive_until_they_return(app, chat):
    user = chat()
    await user.send("/start")
    await user.press("English")
    user.session.fail_next(403, "Forbidden: bot was blocked by the user", method="sendMessage")
    sent = await user.send("/help")
    assert [s.name for s in sent] == ["sendMessage"]  # no apology to someone who blocked us
    assert (await app.users.get(user.user_id)).is_active is False
    await user.send("/menu")  # they unblocked and wrote again
    assert (await app.users.get(user.user_id)).is_active is True


async def test_a_press_replayed_after_a_restart_goes_on_without_an_apology(app, chat):
    """Telegram will not answer a press twice, or one past its answer window: the screen
    still changes, and the user gets no apology."""
    user = chat()
    await user.send("/start")
    await user.press("English")
    user.session.fail_next(
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
        method="answerCallbackQuery",
    )
    sent = await user.press("🌍")  # a foreign citizen: the countries come next
    assert "😔" not in " ".join(s.text for s in sent)
    assert "Which country are you a citizen of?" in sent[-1].text
