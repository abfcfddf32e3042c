"""Every message to staff is wholly in the staff member's language, whatever the user's."""

from __future__ import annotations

from tests.conftest import translated
from tests.test_emigrants import ADMIN, emigrant, staff_member, to


async def test_the_sos_notice_to_staff_is_wholly_in_their_language(app, chat):
    await staff_member(chat, ADMIN, "en")  # the admin reads English
    user = await emigrant(chat(user_id=105, lang="kk"), "kk", "TR")  # the user, Kazakh
    await user.send("/menu")
    sent = await user.press(translated(app, "kk", "🆘 SOS: I need help now"))
    [notice] = to(ADMIN, sent)
    first_line = notice.text.splitlines()[0]
    assert first_line == "🆘 The user pressed SOS."  # not the Kazakh of the user
    await user.send("/menu")
    sent = await user.press(translated(app, "kk", "🆘 SOS: I need help now"))
    [again] = to(ADMIN, sent)
    assert again.text.splitlines()[0] == "🆘 The user pressed SOS again."


async def test_staff_with_no_profile_get_notices_in_their_apps_language(app, chat):
    """The admin deleted their data: the desk still writes to them in their Telegram app's
    language (English), not in the bot's default (Russian)."""
    admin = await staff_member(chat, ADMIN, "en")
    await admin.send("/delete")
    await admin.press(translated(app, "en", "🗑 Yes, delete everything"))
    assert await app.users.get(ADMIN) is None
    user = await emigrant(chat(user_id=106, lang="kk"), "kk", "TR")
    await user.send("/menu")
    sent = await user.press(translated(app, "kk", "🆘 SOS: I need help now"))
    [notice] = to(ADMIN, sent)
    assert notice.text.splitlines()[0] == "🆘 The user pressed SOS."
