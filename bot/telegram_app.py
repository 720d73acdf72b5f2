"""The Telegram adapter: PTB handlers that feed the service and render its events."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.ordering import PerChatOrderedProcessor
from bot.rate_limit import ChatRateLimiter
from bot.runtime import Runtime
from flows.model import Event, Inbound, Reply

log = logging.getLogger(__name__)
COMMANDS = [
    ("start", "Menu"),
    ("help", "Help"),
    ("language", "Language"),
    ("cancel", "Stop"),
]
MEDIA = filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE
MEDIA = MEDIA | filters.Sticker.ALL | filters.Document.ALL | filters.ANIMATION | filters.CONTACT


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Render a reply's buttons as an inline keyboard."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in reply.buttons
        ]
    )


def inbound_from_message(message: Message) -> Inbound:
    """Translate a Telegram message into the engine's inbound form."""
    lang = message.from_user.language_code if message.from_user else None
    forwarded = message.forward_origin is not None
    text = message.text or message.caption
    if message.text and message.text.startswith("/") and not forwarded:
        command = message.text[1:].split()[0].split("@")[0]
        return Inbound(kind="command", command=command, client_language=lang)
    if text:
        # A forwarded picture with a caption is usually an ad: read the caption.
        return Inbound(kind="text", text=text, forwarded=forwarded, client_language=lang)
    if message.location or message.venue:
        return Inbound(kind="location", client_language=lang)
    return Inbound(kind="media", media="other", client_language=lang)


class TelegramAdapter:
    """Handlers for private chats."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.keys = runtime.store.keys

    async def _dispatch(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, inbound: Inbound
    ) -> None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None:
            return
        user_key = self.keys.user_key("tg", user.id)
        try:
            events = await self.runtime.conversations.handle(user_key, inbound)
        except Exception as exc:  # noqa: BLE001 - a message must never crash the bot
            log.error("turn failed: %s", type(exc).__name__)
            await context.bot.send_message(chat.id, self._sorry(), protect_content=True)
            return
        await self.render(context, chat.id, events)

    def _sorry(self) -> str:
        return "Sorry, something went wrong on my side. Please send your last message again."

    async def render(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, events: list[Event]
    ) -> None:
        """Send each reply in order, with protect_content so it cannot be forwarded or saved."""
        for ev in events:
            if isinstance(ev, Reply):
                await context.bot.send_message(
                    chat_id, ev.text, reply_markup=keyboard(ev), protect_content=True
                )

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle any private message: text, command, forward, media or location."""
        if update.effective_message is None:
            return
        await self._dispatch(update, context, inbound_from_message(update.effective_message))

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a button tap, then take the keyboard off the answered question."""
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
        except TelegramError as exc:
            log.info("answerCallbackQuery failed: %s", type(exc).__name__)
        if update.effective_chat is None or update.effective_chat.type != "private":
            return
        lang = query.from_user.language_code if query.from_user else None
        await self._dispatch(
            update, context, Inbound(kind="choice", choice=query.data, client_language=lang)
        )
        if query.message is not None:
            try:
                await query.edit_message_reply_markup(reply_markup=None)
            except TelegramError as exc:
                log.info("could not remove keyboard: %s", type(exc).__name__)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error type only: updates hold personal messages."""
        log.error("update failed: %s", type(context.error).__name__)


async def _post_init(app: Application) -> None:
    try:
        await app.bot.set_my_commands(COMMANDS)
    except TelegramError as exc:
        log.warning("setMyCommands failed: %s", type(exc).__name__)


def build_application(runtime: Runtime, token: str, base_url: str | None = None) -> Application:
    """Build the PTB application with per-chat ordering and rate limits."""
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
    )
    if base_url:
        base = base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot"))
    app = builder.build()
    adapter = TelegramAdapter(runtime)
    private = filters.ChatType.PRIVATE
    app.add_handler(
        MessageHandler(
            private & (filters.TEXT | filters.COMMAND | MEDIA | filters.LOCATION | filters.CAPTION),
            adapter.on_message,
        )
    )
    app.add_handler(CallbackQueryHandler(adapter.on_callback))
    app.add_error_handler(adapter.on_error)
    app.bot_data["adapter"] = adapter
    return app
