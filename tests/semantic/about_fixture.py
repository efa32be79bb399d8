"""A small "possibly about" fixture written for these tests: a list about a transit
route across southern Armenia, an article that discusses it without naming it, and one
on a neighbouring subject (the Lachin corridor)."""

from __future__ import annotations

from bot.domain.models import Article, Term, Watchlist

ROUTE = Watchlist(
    name="Route",
    terms=(Term("Syunik transit route"),),
    about=(
        "A transit route across southern Armenia's Syunik province linking mainland "
        "Azerbaijan with its Nakhchivan exclave.",
        "A railway and highway along the Armenian–Iranian border through the Meghri "
        "valley, run by an American company.",
        "Iran and Russia object to the U.S.-managed corridor on Armenia's southern border.",
    ),
    not_about=(
        "The Lachin corridor, the road between Armenia and Karabakh, and its blockade.",
        "Refugees from Karabakh living in Armenia.",
    ),
    # The article below scores about 0.92, the neighbour -0.24 and the unrelated one -0.10.
    about_close=0.6,
    about_very_close=0.9,
)


def article(article_id: str, title: str, text: str) -> Article:
    return Article(
        id=article_id,
        feed_url="https://example.org/feed",
        link=f"https://example.org/{article_id}",
        title=title,
        author="",
        section="",
        published=None,
        summary="",
        html="",
        text=text,
        content_hash=article_id,
    )


ABOUT_IT = article(
    "about-it",
    "A Rail Line Along the Araks",
    "Engineers surveyed the old Soviet rail bed that runs beside the river Araks through "
    "the Meghri gorge. Under the deal signed in Washington, an American operator would "
    "rebuild the line so that trains from Baku can reach Nakhchivan across Armenian soil.\n\n"
    "Tehran has warned against any foreign presence on its northern frontier, and Moscow "
    "worries about losing the border posts its guards have kept there since the 1990s. "
    "Yerevan insists that Armenian customs officers will check every wagon.",
)

NEIGHBOUR = article(
    "neighbour",
    "Memories of the Blockade",
    "For ten months in 2023 the only road linking Karabakh to Armenia was closed. Food "
    "and medicine ran short in Stepanakert as the checkpoint at the Hakari bridge stayed "
    "shut.\n\nThe families who left now live in Goris and Yerevan, where they look for "
    "work and housing. Many still keep the keys of the homes they had to abandon.",
)

UNRELATED = article(
    "unrelated",
    "Cotton Prices Fall",
    "Uzbek farmers are planting less cotton this year as prices fall on world markets. "
    "The government has ended forced labour in the harvest and lets farms choose crops.",
)
