"""The workflow declarations: every type has ordered steps, fields, results and notices."""
from __future__ import annotations

import pytest
from flask_babel import lazy_gettext as _l

import workflows
from workflows.base import Field, Result, Workflow

EXPECTED_STEPS = {
    "new_connection": ["received", "surveyed", "contract_signed", "meter_installed", "energised"],
    "contract_change": ["received", "documents_checked", "approved", "done"],
    "meter_inspection": ["received", "appointment", "inspected", "concluded"],
    "outage": ["received", "crew_dispatched", "restored"],
    "inquiry": ["received", "answered"],
    "complaint": ["received", "investigating", "concluded"],
}


def _names(workflow, step, subtype=None):
    return [f.name for f in workflow.fields_for(step, subtype)]


def test_the_registry_holds_every_type_with_its_steps_in_order():
    assert {name: list(wf.steps) for name, wf in workflows.WORKFLOWS.items()} == EXPECTED_STEPS


@pytest.mark.parametrize("name", sorted(EXPECTED_STEPS))
def test_every_type_has_two_steps_a_result_list_and_fields_past_the_first_step(name):
    workflow = workflows.get(name)
    workflow.check()
    assert len(workflow.steps) >= 2 and workflow.first_step() == "received"
    assert len(workflow.result_choices) >= 2
    assert all(isinstance(r, Result) and str(r.label) for r in workflow.result_choices)
    last = workflow.last_step()
    assert any(f.required for f in workflow.fields_for(last, next(iter(workflow.subtypes), None)))
    assert all(str(f.label) for fields in workflow.step_fields.values() for f in fields)


@pytest.mark.parametrize("name", sorted(EXPECTED_STEPS))
def test_every_notice_names_only_fields_of_its_step_or_the_shared_placeholders(name):
    workflow = workflows.get(name)
    for key, template in workflow.notices.items():
        known = {f.name for f in workflow.step_fields.get(key, ())} | {"ma_phieu", "buoc"}
        used = {part.split("}")[0] for part in str(template).split("{")[1:]}
        assert used <= known, (name, key, used - known)


def test_a_new_connection_asks_for_the_survey_contract_meter_and_energising_values():
    wf = workflows.get("new_connection")
    assert _names(wf, "surveyed", "low_voltage") == ["survey_date", "survey_result",
                                                     "survey_notes"]
    assert "transformer_kva" in _names(wf, "surveyed", "medium_voltage")
    assert _names(wf, "contract_signed") == ["contract_number", "signed_date"]
    assert _names(wf, "meter_installed") == ["meter_serial", "install_date", "initial_reading"]
    assert _names(wf, "energised") == ["energised_at"]
    assert [r.code for r in wf.result_choices] == ["energised", "refused", "cancelled"]
    assert wf.result("refused").note_required


def test_only_a_change_of_households_asks_for_the_new_number_of_households():
    wf = workflows.get("contract_change")
    assert "households" in _names(wf, "approved", "change_households")
    assert "households" not in _names(wf, "approved", "renew")
    assert {"decision_note", "effective_date"} <= set(_names(wf, "approved", "terminate"))


def test_a_skippable_step_can_be_passed_over_but_no_other():
    assert workflows.get("meter_inspection").next_steps("received") == ["appointment",
                                                                         "inspected"]
    assert workflows.get("outage").next_steps("received") == ["crew_dispatched", "restored"]
    assert workflows.get("new_connection").next_steps("surveyed") == ["contract_signed"]
    assert workflows.get("new_connection").next_steps("energised") == []


def test_a_contradictory_declaration_is_refused():
    class Broken(Workflow):
        name = "broken"
        title = _l("Hỏng")
        steps = {"received": _l("Tiếp nhận"), "done": _l("Xong")}
        step_fields = {"nowhere": (Field("x", _l("X")),)}
        skippable = frozenset({"done"})

    with pytest.raises(ValueError, match="unknown step 'nowhere'"):
        Broken().check()


@pytest.mark.parametrize("kwargs", [
    {"name": "step"}, {"name": "csrf_token"}, {"name": "bad name"}, {"kind": "colour"},
    {"kind": "choice"}, {"choices": (("a", "A"),)}])
def test_a_field_with_a_reserved_name_unknown_kind_or_stray_choices_is_refused(kwargs):
    with pytest.raises(ValueError):
        Field(**{"name": "ok", "label": "OK", **kwargs})


def test_every_field_kind_has_a_way_to_be_stored_and_shown():
    from crm.tickets.steps import STORE
    from workflows.base import KINDS

    assert set(STORE) == KINDS
