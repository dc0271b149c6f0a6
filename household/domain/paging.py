"""Numbered pages over a query: the contract's `page` and `per_page`, with an exact total."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def count(s: Session, stmt: Select) -> int:
    """How many rows `stmt` matches."""
    return s.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


def page_of(s: Session, stmt: Select, page: int, per_page: int) -> tuple[list, int]:
    """One page of `stmt`'s objects and the total it matches (two queries, whatever the page)."""
    rows = s.execute(stmt.limit(per_page).offset((page - 1) * per_page)).scalars().unique().all()
    return list(rows), count(s, stmt)


def page_of_few(s: Session, stmt: Select, page: int, per_page: int) -> tuple[list, int]:
    """As `page_of` in one statement, for a query that matches few rows (the catalogue: hundreds at most).

    The total comes with each row (`count(*) OVER ()`), so the filter runs once instead of twice; the
    database then reads every match before the page, which only a small result affords. A page past the
    last one has no row to carry the total: it is counted apart.
    """
    rows = s.execute(stmt.add_columns(func.count().over()).limit(per_page).offset((page - 1) * per_page)).all()
    if not rows:
        return [], (count(s, stmt) if page > 1 else 0)
    return [row[0] for row in rows], rows[0][1]


def page_of_rows(s: Session, stmt: Select, page: int, per_page: int) -> tuple[list, int]:
    """As `page_of`, for a query of columns: each row a mapping."""
    rows = s.execute(stmt.limit(per_page).offset((page - 1) * per_page)).mappings().all()
    return list(rows), count(s, stmt)


def page_ids(s: Session, ids_query: Select, order_column, total: int, page: int, per_page: int) -> list[int]:
    """The ids of one page (newest first by `order_column`), read from whichever end is nearer.

    An OFFSET walks every entry it skips, so the last pages of a 500,000-row filter would cost
    as much as counting it; with the exact total known, pages past the middle are read oldest
    first from the other end and turned round. Past the last page: nothing to read.
    """
    offset = (page - 1) * per_page
    if offset >= total:
        return []
    if offset <= total // 2:
        return list(s.execute(ids_query.limit(per_page).offset(offset)).scalars())
    size = min(per_page, total - offset)
    oldest_first = ids_query.order_by(None).order_by(order_column.asc())
    ids = list(s.execute(oldest_first.limit(size).offset(total - offset - size)).scalars())
    return ids[::-1]


def page_ids_in_blocks(
    s: Session, ids_query: Select, id_column, blocks: list[tuple[int, int]], block_ids: int, page: int, per_page: int
) -> list[int]:
    """The ids of one page (newest first by `id_column`), read from the block of ids it starts in.

    `blocks` holds the query's exact number of rows in each block of ids (id // block_ids), highest
    block first. Adding them up finds the block where the page starts, so the OFFSET walks at most
    one block's rows instead of every row before the page. Past the last page: nothing to read.
    """
    offset = (page - 1) * per_page
    before = 0
    for block, n in blocks:
        if before + n > offset:
            in_block = ids_query.where(id_column < (block + 1) * block_ids)
            return list(s.execute(in_block.limit(per_page).offset(offset - before)).scalars())
        before += n
    return []
