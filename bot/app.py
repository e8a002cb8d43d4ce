"""The Application: services, handlers in one ordered place, command menus, errors."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from . import articles, commands, questions, smalltalk
from .delivery import CONCURRENT_UPDATES
from .flood import Quotas
from .ingest import Ingest
from .library import Libraries
from .sending import RateLimiter
from .services import Services
from .serving import DeliveryApplication
from .settings import Settings
from .store import open_store
from .transport import BotAPIRequest

logger = logging.getLogger(__name__)

# A connection for each delivery worker, so that a reply never waits for another's connection.
# Only as many are opened as are used at once (bot/transport.py); PTB's default is 256.
CONNECTION_POOL_SIZE = CONCURRENT_UPDATES
POOL_TIMEOUT_SECONDS = 10.0  # waiting for a free connection is fine; failing a reply is not

PRIVATE_COMMANDS = [
    BotCommand("summary", "What the article is about: /summary or /summary N"),
    BotCommand("sources", "The articles I answer from"),
    BotCommand("add", "Add an article (link, text or file)"),
    BotCommand("remove", "Remove an article: /remove N"),
    BotCommand("reset", "Forget the conversation"),
    BotCommand("help", "What I can do"),
]
GROUP_COMMANDS = [
    BotCommand("ask", "Ask about the group's articles"),
    *PRIVATE_COMMANDS,
]


def build_application(settings: Settings) -> Application:
    """The bot, ready to run_polling() or run_webhook()."""
    timeout = settings.request_timeout_seconds
    application = (
        ApplicationBuilder()
        .application_class(DeliveryApplication)
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        # A question may be deleted before its answer goes out (or while the bot was down and
        # its inbox waited): answer it without the quote rather than not at all.
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True))
        # A request Telegram does not answer in time is retried (bot.sending); PTB adds the long
        # poll's own time-out to getUpdates' read time-out.
        .request(
            BotAPIRequest(
                connection_pool_size=CONNECTION_POOL_SIZE,
                connect_timeout=timeout,
                read_timeout=timeout,
                write_timeout=timeout,
                pool_timeout=POOL_TIMEOUT_SECONDS,
            )
        )
        .get_updates_request(
            BotAPIRequest(
                connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout, pool_timeout=timeout
            )
        )
        .rate_limiter(
            RateLimiter(
                overall_max_rate=settings.messages_per_second,
                group_max_rate=settings.group_messages_per_minute,
                private_chat_max_rate=settings.private_chat_messages_per_second,
            )
        )
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data["settings"] = settings
    register_handlers(application)
    return application


def register_handlers(application: Application) -> None:
    """Every handler, in one place; the first matching handler of the group wins."""
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    messages = filters.UpdateType.MESSAGES  # new and edited: an edited question is answered again
    application.add_handler(CommandHandler("start", smalltalk.start_command))
    application.add_handler(CommandHandler("help", smalltalk.help_command))
    application.add_handler(CommandHandler("reset", commands.reset_command))
    application.add_handler(CommandHandler("summary", commands.summary_command, filters=messages))
    # Library changes act on new messages only: editing "/add …" must not add twice.
    new = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("add", articles.add_command, filters=new))
    application.add_handler(CommandHandler("sources", articles.sources_command))
    application.add_handler(CommandHandler("remove", articles.remove_command, filters=new))
    application.add_handler(CommandHandler("default", articles.default_command, filters=new))
    # A file whose caption is /add (CommandHandler only looks at message text, not captions).
    caption_add = filters.Document.ALL & filters.CaptionRegex(r"^/add(@\w+)?(\s|$)") & new
    application.add_handler(MessageHandler(caption_add, articles.document_with_caption))
    # In a private chat a file needs no caption: sending it there can only mean "read this".
    application.add_handler(MessageHandler(private & filters.Document.ALL & new, articles.private_document))
    application.add_handler(CommandHandler("ask", questions.ask_command, filters=messages))
    # Plain text: every message in private; in groups only mentions and replies to the bot,
    # which the handler itself picks out (the rest is chatter and gets no answer).
    text = filters.TEXT & ~filters.COMMAND & messages
    # A link sent alone in private is an article to read, not a question.
    pasted = private & new & articles.PASTED_LINK
    application.add_handler(MessageHandler(pasted, articles.pasted_link_message))
    application.add_handler(MessageHandler(private & text, questions.private_message))
    application.add_handler(MessageHandler(groups & text, questions.group_message))
    application.add_handler(CallbackQueryHandler(questions.button))
    application.add_handler(InlineQueryHandler(questions.inline_query))
    application.add_error_handler(error_handler)


async def post_init(application: Application) -> None:
    """Open the store, build the shared default index, and register the command menus."""
    settings: Settings = application.bot_data["settings"]
    store = open_store(settings.database_url, settings.data_dir)
    await store.open()
    libraries = Libraries(store, settings.index_cache_bytes)
    libraries.default  # noqa: B018 - build the shared index now, not on the first question
    quotas = Quotas(settings.questions_per_minute_per_user, settings.questions_per_minute_per_chat)
    ingest = Ingest(application.bot, store, settings)
    application.bot_data["services"] = Services(settings, store, libraries, quotas, ingest)
    await ingest.start()  # finishes the adds a stop interrupted
    await application.bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await application.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())


async def post_shutdown(application: Application) -> None:
    if "services" in application.bot_data:
        await application.bot_data["services"].ingest.close()
        await application.bot_data["services"].store.close()


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error before anything else, so it is seen even if reporting fails."""
    logger.error("Exception while handling an update:", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(
                "Sorry, something went wrong on my side. Please try again."
            )
        except Exception:
            logger.warning("could not tell the user about the error", exc_info=True)
