"""The directory users call from, and what staff do to it: save an entry (its changed
fields and a confirmation, audited), revert a change, read the history, and the monthly
flag of entries nobody confirmed for 180 days.

Users' screens read one snapshot kept in memory (bot/services/snapshot.py): a save or a
revert shows on every instance at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.directory import Contact, Directory, country_of, merge, seed, spec
from bot.services.clock import Clock
from bot.services.snapshot import SharedSnapshot
from storage.models import DirectoryChange
from storage.repositories.directory import DirectoryRepository
from storage.unit import transaction

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from bot.services.cases import CaseService
    from bot.services.facts import FactService, Overdue
    from bot.services.users import UserService

log = logging.getLogger("joldas.directory")
FLAG_HOUR = 10  # the monthly flag goes at or after 10:00, in the bot's time zone
FLAG_RETRY = timedelta(minutes=15)  # before a flag no admin received is tried again


@dataclass(frozen=True)
class Editor:
    """Who is editing: admins every entry, attachés their countries' missions and
    emergency numbers (never the help lines in Kazakhstan, nor the general numbers)."""

    staff_id: int
    admin: bool
    countries: frozenset[str] = frozenset()

    def may_edit(self, key: str) -> bool:
        if self.admin:
            return True
        return key[:2] in ("m.", "e.") and country_of(key) in self.countries


@dataclass(frozen=True)
class Saved:
    changes: list[DirectoryChange]  # what was recorded; empty when overtaken
    overtaken: dict[str, Any]  # field -> the value someone else saved meanwhile


class DirectoryView(Protocol):
    def stale_notice(
        self, contacts: list[Contact], today: date, locale: str, overdue: list[Overdue]
    ) -> str: ...


class DirectoryService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        users: UserService,
        cases: CaseService,
        view: DirectoryView,
        *,
        timezone: str,
        default_locale: str,
        redis: Redis | None = None,
        facts: FactService | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.facts = facts  # their overdue ones go in the same monthly notice
        self.clock = clock
        self.users = users
        self.cases = cases
        self.admin_ids = cases.admin_ids
        self.view = view
        self.timezone = ZoneInfo(timezone)
        self.default_locale = default_locale
        self.redis = redis
        self._snapshot = SharedSnapshot("directory", self._read, redis)
        self._flagged: str | None = None  # the month this instance last looked at
        self._next_try: datetime | None = None  # a failed flag is not tried again before

    # --- reading ------------------------------------------------------------------------------

    async def current(self) -> Directory:
        """The directory users' screens read (see bot/services/snapshot.py)."""
        return await self._snapshot.get()

    async def _read(self) -> Directory:
        async with self._sessionmaker() as session:
            repository = DirectoryRepository(session)
            edits, confirmations = await repository.edits(), await repository.confirmations()
        return Directory(merge(seed(), edits, confirmations))

    async def changed(self) -> None:
        """Drop the snapshot here, and on every instance."""
        await self._snapshot.changed()

    async def editor(self, staff_id: int) -> Editor | None:
        """Asked on the server for every step: roles can change between two presses."""
        if self.cases.is_admin(staff_id):
            return Editor(staff_id, admin=True)
        countries = await self.cases.countries_of(staff_id)
        if not countries:
            return None
        return Editor(staff_id, admin=False, countries=frozenset(countries))

    def today(self, zone: str | None = None) -> date:
        return self.clock.now().astimezone(ZoneInfo(zone) if zone else self.timezone).date()

    # --- staff changes ------------------------------------------------------------------------

    async def save(
        self,
        key: str,
        draft: dict[str, Any],
        base: dict[str, Any],
        staff_id: int,
        today: date,
    ) -> Saved:
        """The drafted fields that differ from what users see now, and the confirmation
        (staff_id, today), in one transaction under the entry's lock; every change is
        recorded, and nothing changed is a confirmation alone, recorded too. A field someone
        else saved since it was drafted (`base`: its value then) is not overwritten: the
        save stops and says which, with their values."""
        now = self.clock.now()
        file_values = seed()[key].values
        async with transaction(self._sessionmaker) as session:
            repository = DirectoryRepository(session)
            await repository.lock(key, today, staff_id)
            current = merge(seed(), await repository.edits(), {})[key].values
            overtaken = {
                name: current[name]
                for name in draft
                if name in current and name in base and base[name] != current[name]
            }
            if overtaken:
                await session.rollback()
                return Saved([], overtaken)
            changes = []
            for name, value in draft.items():
                if spec(key, name) is None or value == current[name]:
                    continue
                if value == file_values[name]:  # back to the file's value: it follows the file
                    await repository.drop_field(key, name)
                else:
                    await repository.set_field(key, name, value, file_values[name])
                changes.append(
                    DirectoryChange(
                        entry=key,
                        field=name,
                        action="edit",
                        old=current[name],
                        new=value,
                        staff_id=staff_id,
                        at=now,
                    )
                )
            if not changes:
                changes.append(
                    DirectoryChange(
                        entry=key, field="", action="confirm", staff_id=staff_id, at=now
                    )
                )
            for change in changes:
                await repository.record(change)
            await repository.confirm(key, today, staff_id)
        await self.changed()
        log.info("directory %s saved by %s: %s", key, staff_id, [c.field for c in changes])
        return Saved(changes, {})

    async def revert(self, change_id: int, admin_id: int) -> DirectoryChange | None:
        """Put a field back as it was before the change (None: no such change of a field).
        Back to the file's value, the field follows the file again."""
        async with transaction(self._sessionmaker) as session:
            repository = DirectoryRepository(session)
            change = await repository.change(change_id)
            if change is None or not change.field or change.entry not in seed():
                return None
            key, name = change.entry, change.field
            await repository.lock(key, self.today(), admin_id)
            file_value = seed()[key].values.get(name)
            current = merge(seed(), await repository.edits(), {})[key].values.get(name)
            if change.old == file_value:
                await repository.drop_field(key, name)
            else:
                await repository.set_field(key, name, change.old, file_value)
            undo = DirectoryChange(
                entry=key,
                field=name,
                action="revert",
                old=current,
                new=change.old,
                staff_id=admin_id,
                reverts=change.id,
                at=self.clock.now(),
            )
            await repository.record(undo)
        await self.changed()
        log.info("directory change #%s reverted by %s", change_id, admin_id)
        return undo

    async def change(self, change_id: int) -> DirectoryChange | None:
        async with self._sessionmaker() as session:
            return await DirectoryRepository(session).change(change_id)

    async def history(self, editor: Editor, limit: int, before: int = 0) -> list[DirectoryChange]:
        """The latest changes of the entries `editor` may edit (older than `before`)."""
        entries = None if editor.admin else [k for k in seed() if editor.may_edit(k)]
        async with self._sessionmaker() as session:
            return await DirectoryRepository(session).history(entries, limit, before)

    # --- the monthly flag ---------------------------------------------------------------------

    async def flag_stale(self, bot: Bot) -> int:
        """Once a month (the first instance to claim it), tell every admin, in their
        language, which entries nobody confirmed for 180 days. Returns messages sent.

        An admin Telegram will never let us write to (they never opened the bot, or blocked
        it: 403, or 400 "chat not found") is logged once and counts as done; the month is
        given back, to be tried again in FLAG_RETRY, only when no admin got it for a reason
        that may pass (the network, Telegram's 5xx or 429)."""
        now = self.clock.now()
        local = now.astimezone(self.timezone)
        month = f"{local:%Y-%m}"
        if self._flagged == month or local.hour < FLAG_HOUR or not self.admin_ids:
            return 0
        if self._next_try is not None and now < self._next_try:
            return 0
        async with transaction(self._sessionmaker) as session:
            previous = await DirectoryRepository(session).claim_month(month, now)
        self._flagged = month
        if previous is None:  # another instance has it
            return 0
        sent, unreachable, stale = 0, 0, None
        late: list[Overdue] = []
        try:
            today = local.date()
            stale = [c for c in (await self.current()).contacts.values() if c.stale(today)]
            late = await self.facts.overdue() if self.facts is not None else []
            if not stale and not late:
                return 0
            for admin in sorted(self.admin_ids):
                profile = await self.users.get(admin)
                locale = self.users.locale_of(profile, admin, self.default_locale)
                try:
                    notice = self.view.stale_notice(stale, today, locale, late)
                    await bot.send_message(admin, notice)
                except (TelegramForbiddenError, TelegramBadRequest) as error:
                    unreachable += 1  # the same answer next time: not tried again
                    never_opened = isinstance(error, TelegramForbiddenError) or (
                        "chat not found" in error.message.lower()
                    )
                    log.warning(
                        "directory flag for %s not delivered to admin %s (%s)%s",
                        month,
                        admin,
                        error.message,
                        ": Telegram lets a bot write only to people who opened it; ask them "
                        "to open the bot and press Start"
                        if never_opened
                        else "",
                    )
                except Exception:  # one admin's failure does not stop the others
                    log.warning("directory flag not delivered to admin %s", admin, exc_info=True)
                else:
                    sent += 1
        finally:
            if sent + unreachable == 0 and (
                stale is None or stale or late
            ):  # failed for now: not flagged yet
                self._flagged = None  # nobody heard: tried again in a while
                self._next_try = now + FLAG_RETRY
                async with transaction(self._sessionmaker) as session:
                    await DirectoryRepository(session).give_back_month(month, previous, now)
        log.info("directory: %d entries flagged to %d admins for %s", len(stale or []), sent, month)
        return sent
