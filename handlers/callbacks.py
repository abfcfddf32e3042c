"""Callback data shared across routers (CallbackData factories, never hand-split strings)."""

from aiogram.filters.callback_data import CallbackData


class MenuCb(CallbackData, prefix="m"):
    item: str


class LangCb(CallbackData, prefix="lang"):
    code: str


class RoleCb(CallbackData, prefix="role"):
    role: str  # migrant | emigrant | kandas | skip


class CountryCb(CallbackData, prefix="ctry"):
    field: str  # citizenship | abroad
    code: str  # ISO 3166 alpha-2, "other" or "skip"


class DeleteCb(CallbackData, prefix="del"):
    confirm: bool


class ProfileCb(CallbackData, prefix="prof"):
    action: str  # language | role | citizenship | abroad | privacy | delete
