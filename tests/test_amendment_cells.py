"""Which cells an amendment lists and why, from SYNTHETIC issued cells (no warehouse needed)."""

from __future__ import annotations

from decimal import Decimal

from etl.reports.amendments import diff_cells, explain, shown


def _row(name: str, plan: str = "", fact: str = "", note: str = "", code: str | None = "1.2.1") -> dict:
    texts = {"name": name, "responsible": "Управление", "source": "БНС", "unit": "%", "note": note}
    cols = {k: {"ru": v, "kk": v + " (kk)" if v else ""} for k, v in texts.items()}
    cols |= {"plan": {"ru": plan, "kk": plan}, "fact": {"ru": fact, "kk": fact}}
    return {"code": code, "obs": [], "snap": [], "cols": cols}


def test_values_are_compared_as_printed():
    assert shown(Decimal("4.25"), "", 1) == "4,3" and shown(Decimal("4.24999"), "", 2) == "4,25"
    assert shown(None, "x", 1) == "x" and shown(Decimal("7"), "", 0) == "7"
    old = {"K|indicators|2": _row("Бедность", fact="4,3")}
    assert diff_cells(old, {"K|indicators|2": _row("Бедность", fact="4,3")}) == []  # 4.26 and 4.25 print alike


def test_each_changed_cell_with_its_cause():
    old = {
        "K|indicators|1": _row("Занятость", plan="10,0", note="прогресс"),
        "K|indicators|2": _row("Бедность", fact="4,1"),
        "K|activities|1": _row("Курсы", plan="5", code=None),
    }
    new = {
        "K|indicators|1": _row("Занятость", plan="12,0", note="отставание"),
        "K|indicators|3": _row("Вода", fact="90,0", code="6.1.1"),
        "K|activities|1": _row("Курсы", plan="6", code=None),
    }
    changes = explain(None, diff_cells(old, new))
    listed = [(c.row_no, c.column, c.old_ru, c.new_ru, c.reason_ru) for c in changes]
    assert listed[:3] == [
        ("1", "plan", "10,0", "12,0", "скорректирован план (sdg.plan_value)"),
        ("1", "note", "прогресс", "отставание", "пояснение обновлено вслед за изменением строки"),
        ("3", "name", "", "Вода", "строка добавлена в перечень (Приложение 1)"),
    ]
    assert {c.reason_ru for c in changes if c.row_no == "3"} == {"строка добавлена в перечень (Приложение 1)"}
    assert ("1", "plan", "5", "6", "скорректировано мероприятие (sdg.activity)") in listed
    removed = [c for c in changes if c.row_no == "2"]
    assert removed and {c.reason_kk for c in removed} == {"жол тізбеден алынып тасталды (1-қосымша)"}
    assert all(c.kato_code == "K" for c in changes)


def test_no_stored_cells_means_no_list():
    assert diff_cells(None, {"K|indicators|1": _row("Занятость")}) == []
