"""The Telegram adapter: PTB handlers for people and partner chats, and the Telegram transport."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.cleanup import Cleaner
from bot.dispatcher import DeliveryRetry
from bot.ordering import PerChatOrderedProcessor
from bot.partner_actions import ActionResult, PartnerActions
from bot.rate_limit import ChatRateLimiter
from bot.runtime import Runtime
from bot.scheduling import jobs_for
from flows.engine import CLEAR_BUTTON
from flows.model import Event, FlowEnded, HelpSubmitted, Inbound, RelayReply, Reply

log = logging.getLogger(__name__)
COMMANDS = [
    ("start", "Menu"),
    ("help", "Help"),
    ("language", "Language"),
    ("clear", "Clear chat"),
    ("cancel", "Stop"),
]
MEDIA = filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE
MEDIA = MEDIA | filters.Sticker.ALL | filters.Document.ALL | filters.ANIMATION | filters.CONTACT
SORRY = "Sorry, something went wrong on my side. Please send your last message again."


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """Render (label, data) rows as an inline keyboard."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(lb, callback_data=d) for lb, d in row] for row in rows]
    )


def reply_rows(reply: Reply) -> list[list[tuple[str, str]]]:
    """Return a reply's buttons as (label, data) rows."""
    return [[(b.label, b.data) for b in row] for row in reply.buttons]


def inbound_from_message(message: Message) -> Inbound:
    """Translate a Telegram message into the engine's inbound form."""
    user = message.from_user
    lang = user.language_code if user else None
    identity = None
    if user is not None:
        identity = f"{user.full_name} (@{user.username})" if user.username else user.full_name
    forwarded = message.forward_origin is not None
    text = message.text or message.caption
    if message.text and message.text.startswith("/") and not forwarded:
        command = message.text[1:].split()[0].split("@")[0]
        return Inbound(kind="command", command=command, client_language=lang, identity=identity)
    if text:
        # A forwarded picture with a caption is usually an ad: read the caption.
        return Inbound(
            kind="text", text=text, forwarded=forwarded, client_language=lang, identity=identity
        )
    if message.location is not None:
        loc = message.location
        return Inbound(
            kind="location", client_language=lang, latitude=loc.latitude, longitude=loc.longitude
        )
    return Inbound(kind="media", media="other", client_language=lang)


class TelegramTransport:
    """Send outbox messages and delete chat messages through the Bot API."""

    partner_channel = "telegram"
    person_prefix = "tg:"

    def __init__(self, app: Application):
        self.app = app

    async def _send(self, chat_id: int, text: str, rows: list[list[tuple[str, str]]]) -> int:
        try:
            msg = await self.app.bot.send_message(
                chat_id, text, reply_markup=keyboard(rows), protect_content=True
            )
        except RetryAfter as exc:
            wait = exc.retry_after
            raise DeliveryRetry(
                wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            ) from exc
        return msg.message_id

    async def to_partner(self, target: str, text: str, buttons: list[list[tuple[str, str]]]) -> int:
        """Send to a partner chat."""
        return await self._send(int(target), text, buttons)

    async def to_person(self, address: str, text: str) -> int:
        """Send to a person's private chat."""
        return await self._send(int(address.removeprefix("tg:")), text, [])

    async def delete(self, address: str, message_ids: list[int]) -> int:
        """Delete messages; return how many could not be deleted."""
        chat_id = int(address.removeprefix("tg:"))
        failed = 0
        for i in range(0, len(message_ids), 100):
            chunk = message_ids[i : i + 100]
            try:
                await self.app.bot.delete_messages(chat_id, chunk)
            except TelegramError:
                # The batch call says nothing about which failed: try one by one to count them.
                for mid in chunk:
                    try:
                        await self.app.bot.delete_message(chat_id, mid)
                    except TelegramError:
                        failed += 1
        return failed


class TelegramAdapter:
    """Handlers for people in private chats and for partner chats."""

    def __init__(self, runtime: Runtime, app: Application):
        self.runtime = runtime
        self.keys = runtime.store.keys
        settings = runtime.settings
        self.transport = TelegramTransport(app)
        self.cleaner = Cleaner(runtime.store, self.transport, settings.cleanup.after_flow_seconds)
        self.partners = PartnerActions(runtime.store, tuple(settings.partners.coordinator_chat_ids))
        self.jobs = jobs_for(runtime, self.transport, self.cleaner)

    # ---- people ------------------------------------------------------------------------------
    def _user_key(self, update: Update) -> str:
        return self.keys.user_key("tg", update.effective_user.id)

    async def _dispatch(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        inbound: Inbound,
        incoming_id: int | None,
    ) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        user_key = self._user_key(update)
        try:
            events = await self.runtime.conversations.handle(
                user_key, inbound, address=f"tg:{chat.id}"
            )
        except Exception as exc:  # noqa: BLE001 - a message must never crash the bot
            log.error("turn failed: %s", type(exc).__name__)
            await context.bot.send_message(chat.id, SORRY, protect_content=True)
            return
        sent = await self.render(context, chat.id, events)
        ids = ([incoming_id] if incoming_id else []) + sent
        await asyncio.to_thread(self.cleaner.record, user_key, ids)
        if any(isinstance(e, FlowEnded) for e in events):
            await asyncio.to_thread(self.cleaner.schedule_after_flow, user_key)
        if any(isinstance(e, HelpSubmitted | RelayReply) for e in events):
            self.jobs.kick()

    async def render(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, events: list[Event]
    ) -> list[int]:
        """Send each reply in order, with protect_content so it cannot be forwarded or saved."""
        sent = []
        for ev in events:
            if isinstance(ev, Reply):
                msg = await context.bot.send_message(
                    chat_id, ev.text, reply_markup=keyboard(reply_rows(ev)), protect_content=True
                )
                sent.append(msg.message_id)
        return sent

    async def on_private(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a private message: a partner's reply to an alert, or a person's message."""
        message = update.effective_message
        if message is None:
            return
        chat_id = update.effective_chat.id
        if await asyncio.to_thread(self.partners.approved, str(chat_id)):
            await self._partner_message(update, context)
            return
        await self._dispatch(update, context, inbound_from_message(message), message.message_id)

    async def on_clear(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Delete the whole conversation on both sides, and say honestly what could not be."""
        chat = update.effective_chat
        user_key = self._user_key(update)
        if update.effective_message is not None:
            await asyncio.to_thread(
                self.cleaner.record, user_key, [update.effective_message.message_id]
            )
        await self.runtime.conversations.handle(
            user_key, Inbound(kind="command", command="cancel"), address=f"tg:{chat.id}"
        )
        deleted, failed = await self.cleaner.clear(user_key)
        catalog = self.runtime.conversations.engine.catalog
        lang = (update.effective_user.language_code or "en").split("-")[0]
        lang = lang if lang in catalog.locales else "en"
        key = "common.cleared_partly" if failed else "common.cleared"
        msg = await context.bot.send_message(
            chat.id, catalog.text(lang, key, deleted=deleted, failed=failed), protect_content=True
        )
        await asyncio.to_thread(self.cleaner.record, user_key, [msg.message_id])
        await asyncio.to_thread(self.cleaner.schedule_after_flow, user_key)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a button tap from a person or a partner chat."""
        query = update.callback_query
        if query is None or update.effective_chat is None:
            return
        try:
            await query.answer()
        except TelegramError as exc:
            log.info("answerCallbackQuery failed: %s", type(exc).__name__)
        data = query.data or ""
        if data.startswith("pa/"):
            result = await asyncio.to_thread(
                self.partners.button, str(update.effective_chat.id), data
            )
            await self._partner_reply(context, update.effective_chat.id, result)
            return
        if update.effective_chat.type != ChatType.PRIVATE:
            return
        if data == CLEAR_BUTTON:
            await self.on_clear(update, context)
            return
        lang = query.from_user.language_code if query.from_user else None
        identity = query.from_user.full_name if query.from_user else None
        await self._dispatch(
            update,
            context,
            Inbound(kind="choice", choice=data, client_language=lang, identity=identity),
            None,
        )
        if query.message is not None:
            try:
                await query.edit_message_reply_markup(reply_markup=None)
            except TelegramError as exc:
                log.info("could not remove keyboard: %s", type(exc).__name__)

    # ---- partners ----------------------------------------------------------------------------
    async def _partner_reply(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, result: ActionResult
    ) -> None:
        await context.bot.send_message(
            chat_id, result.text, reply_markup=keyboard(result.buttons), protect_content=True
        )
        if result.queued:
            self.jobs.kick()

    async def on_join(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Approve this chat with a one-time invite code: /join CODE."""
        chat = update.effective_chat
        code = " ".join(context.args or [])
        result = await asyncio.to_thread(self.partners.join, chat.id, code)
        await context.bot.send_message(chat.id, result.text, protect_content=True)
        if not result.ok and chat.type != ChatType.PRIVATE:
            await self._leave(context, chat.id)

    async def on_ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Relay a question to the person: /ask WM-XXXX your question."""
        chat = update.effective_chat
        args = context.args or []
        if len(args) < 2:
            await context.bot.send_message(
                chat.id, "Usage: /ask WM-XXXX your question", protect_content=True
            )
            return
        result = await asyncio.to_thread(
            self.partners.ask, str(chat.id), args[0], " ".join(args[1:])
        )
        await self._partner_reply(context, chat.id, result)

    async def on_tips(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """List the newest recruiter tips in an approved partner chat: /tips."""
        chat = update.effective_chat
        result = await asyncio.to_thread(self.partners.tips, str(chat.id))
        await self._partner_reply(context, chat.id, result)

    async def _partner_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In a partner chat, a reply to an alert message is a question for the person."""
        message = update.effective_message
        if message is None or message.reply_to_message is None or not message.text:
            return
        result = await asyncio.to_thread(
            self.partners.ask_by_reply,
            str(message.chat_id),
            message.reply_to_message.message_id,
            message.text,
        )
        if result is not None:
            await self._partner_reply(context, message.chat_id, result)

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In groups the bot serves approved partner chats only; it leaves any other group."""
        chat = update.effective_chat
        if chat is None:
            return
        if await asyncio.to_thread(self.partners.approved, str(chat.id)):
            await self._partner_message(update, context)
        else:
            await self._leave(context, chat.id)

    async def _leave(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
        try:
            await context.bot.leave_chat(chat_id)
        except TelegramError as exc:
            log.info("leaveChat failed: %s", type(exc).__name__)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error type only: updates hold personal messages."""
        log.error("update failed: %s", type(context.error).__name__)


async def _post_init(app: Application) -> None:
    adapter = app.bot_data["adapter"]
    bot_settings = adapter.runtime.settings.bot
    calls = [
        app.bot.set_my_commands(COMMANDS),
        app.bot.set_my_name(bot_settings.display_name),
        app.bot.set_my_description(bot_settings.description),
        app.bot.set_my_short_description(bot_settings.short_description),
    ]
    for call in calls:
        try:
            await call
        except TelegramError as exc:
            log.warning("setting the bot's profile failed: %s", type(exc).__name__)
    adapter.jobs.start()


async def _post_shutdown(app: Application) -> None:
    await app.bot_data["adapter"].jobs.stop()


def build_application(runtime: Runtime, token: str, base_url: str | None = None) -> Application:
    """Build the PTB application with per-chat ordering, rate limits and background jobs."""
    rl = runtime.settings.bot.rate_limit
    builder = (
        ApplicationBuilder()
        .token(token)
        .concurrent_updates(PerChatOrderedProcessor(runtime.settings.bot.concurrent_updates))
        .rate_limiter(
            ChatRateLimiter(
                overall_per_second=rl.overall_per_second,
                per_chat_per_second=rl.per_chat_per_second,
                per_chat_burst=rl.per_chat_burst,
                group_per_minute=rl.group_per_minute,
            )
        )
        .connection_pool_size(64)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if base_url:
        base = base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot"))
    app = builder.build()
    adapter = TelegramAdapter(runtime, app)
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    app.add_handler(CommandHandler("join", adapter.on_join))
    app.add_handler(CommandHandler("ask", adapter.on_ask))
    app.add_handler(CommandHandler("tips", adapter.on_tips))
    app.add_handler(CommandHandler("clear", adapter.on_clear, filters=private))
    everything = filters.TEXT | filters.COMMAND | MEDIA | filters.LOCATION | filters.CAPTION
    app.add_handler(MessageHandler(private & everything, adapter.on_private))
    app.add_handler(MessageHandler(groups & everything, adapter.on_group))
    app.add_handler(CallbackQueryHandler(adapter.on_callback))
    app.add_error_handler(adapter.on_error)
    app.bot_data["adapter"] = adapter
    return app
