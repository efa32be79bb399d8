"""/trend [LIST…] [WEEKS]: read the command, call ``bot/app/trends.py``, answer with the
chart as a photo and ``bot/messages/trend_lines.py``'s caption."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot.app import trends as trends_app
from bot.app.trends import TrendRefused
from bot.messages import trend_lines as words
from bot.messages.trend_chart import ChartFailed
from bot.telegram.busy import typing
from bot.telegram.context import Context, bot_context
from bot.telegram.handlers import args_text, subscriber_for
from bot.telegram.replies import reply


async def trend(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    now = ctx.clock()
    try:
        asked = trends_app.read_request(ctx.service, sub, args_text(context), now)
    except TrendRefused as exc:
        text = words.trend_refused(
            exc.reason, query=exc.query, candidates=exc.candidates, most=trends_app.MAX_LISTS
        )
        await reply(update, text)
        return
    try:
        async with typing(update, context.bot):
            chart = await trends_app.chart(ctx.service, asked, now)
    except ChartFailed as exc:
        await reply(update, words.chart_failed(str(exc)))
        return
    message = update.effective_message
    if message is None:
        return
    await message.reply_photo(
        photo=chart.png,
        caption=words.trend_caption(chart.trends, chart.weeks, of=chart.asked, zone=chart.timezone),
        parse_mode=ParseMode.HTML,
    )


COMMANDS = {"trend": trend}
