"""Profiles as data: shipped profiles load, cite, mark policy values; bad files fail with the place."""

from __future__ import annotations

import pytest
import yaml

from riskscore.exceptions import PolicyError, PolicyWarning
from riskscore.policy import KINDS, list_profiles, load_profile

SHIPPED = ["cn_gbt45251_2025", "strict_v1", "uk_fca_conc7_2024", "us_reg_f_2021"]


def test_shipped_profiles():
    assert list_profiles() == SHIPPED
    for name in SHIPPED:
        p = load_profile(name)
        assert p.name == name and p.version == "1.0.0"
        assert all(r.cite.strip() and r.kind in KINDS for r in p.rules)
        assert len({r.id for r in p.rules}) == len(p.rules)


def test_the_design_numbers():
    us, cn = load_profile("us_reg_f_2021"), load_profile("cn_gbt45251_2025")
    assert us.rule("US-07").params == {"max_calls": 7, "days": 7, "unit": "person_x_debt",
                                       "counted": ["no_answer", "voicemail", "conversation", "promise_to_pay",
                                                   "refused"]}
    assert us.rule("US-08").params["days"] == 7
    assert (us.rule("US-01").params["start"], us.rule("US-01").params["end"]) == ("08:00", "21:00")
    assert (cn.rule("CN-02").params["start"], cn.rule("CN-02").params["end"]) == ("08:00", "22:00")
    assert cn.rule("CN-03").params["max_effective"] == 3 and cn.rule("CN-04").params["max_attempts"] == 6
    assert load_profile("strict_v1").rule("ST-CALLS-7D").params["max_calls"] == 2


def test_values_no_source_sets_are_marked_policy():
    us = load_profile("us_reg_f_2021")
    assert not us.rule("US-07").uses_policy
    assert us.rule("US-10").policy_params == ("per_day.sms", "per_day.email", "per_day.app", "per_week.all")
    uk = load_profile("uk_fca_conc7_2024").rule("UK-04-CALLS")
    assert uk.uses_policy and set(uk.policy_params) == {"max_calls", "days"}
    frame = load_profile("strict_v1").to_frame()
    assert frame.set_index("rule_id").loc["ST-CAPS", "basis"] == "policy"


def test_overrides_are_policy_values():
    p = load_profile("us_reg_f_2021", overrides={"US-07.max_calls": 5, "US-08": {"days": 10}})
    assert p.rule("US-07").params["max_calls"] == 5 and p.rule("US-07").policy_params == ("max_calls",)
    assert p.rule("US-08").params["days"] == 10 and p.overrides == ("US-07.max_calls=5", "US-08.days=10")
    again = load_profile(p, overrides={"US-07.max_calls": 3})
    assert again.rule("US-07").params["max_calls"] == 3
    assert load_profile(p) is p


@pytest.mark.parametrize(("overrides", "match"), [
    ({"US-99.max_calls": 1}, "US-99.*names no rule"),
    ({"US-07": 4}, "must name a parameter"),
    ({"US-07.max_calls": -1}, r"US-07\).params.max_calls must be an int >= 0"),
    ({"US-07.unit": "household"}, "unit must be one of"),
    ({"US-07.colour": "red"}, "unknown parameters"),
])
def test_bad_overrides(overrides, match):
    with pytest.raises(PolicyError, match=match):
        load_profile("us_reg_f_2021", overrides=overrides)


def _write(tmp_path, rules, **head):
    doc = {"format_version": 1, "name": "mine", "version": "0.1", "title": "t", "jurisdiction": "x", "rules": rules,
           **head}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return path


def test_own_profile_file(tmp_path):
    rule = {"id": "A", "kind": "time_window", "title": "t", "cite": "c", "basis": "policy",
            "params": {"start": "09:00", "end": {"policy": "20:00", "note": "ours"}}}
    p = load_profile(_write(tmp_path, [rule]))
    assert p.origin.endswith("mine.yaml") and p.rule("A").policy_params == ("end",)


@pytest.mark.parametrize(("rules", "head", "match"), [
    ([{"id": "A", "kind": "teleport", "title": "t", "cite": "c", "basis": "law"}], {}, r"rules\[0\] \(A\).kind"),
    ([{"id": "A", "kind": "time_window", "title": "t", "cite": "c", "basis": "law", "params": {"start": "9"}}], {},
     r"params.start must be a time"),
    ([{"id": "A", "kind": "time_window", "title": "t", "cite": "c", "basis": "law", "params": {"start": "09:00"}}],
     {}, r"params.end is required"),
    ([{"id": "A", "kind": "rationale", "title": "t", "cite": "", "basis": "law"}], {}, r"cite is required"),
    ([{"id": "A", "kind": "rationale", "title": "t", "cite": "c", "basis": "rumour"}], {}, "basis"),
    ([{"id": "A", "kind": "rationale", "title": "t", "cite": "c", "basis": "law"}] * 2, {}, "repeat the ids"),
    ([], {}, "rules must be a non-empty list"),
    ([{"id": "A", "kind": "rationale", "title": "t", "cite": "c", "basis": "law"}], {"format_version": 2},
     "format_version"),
])
def test_bad_files_name_the_file_rule_and_parameter(tmp_path, rules, head, match):
    with pytest.raises(PolicyError, match=match) as err:
        load_profile(_write(tmp_path, rules, **head))
    assert "mine.yaml" in str(err.value)


def test_unknown_profile():
    with pytest.raises(PolicyError, match="neither a shipped profile"):
        load_profile("us_reg_z")


def test_readings_are_explicit_and_strict_takes_the_protective_ones():
    # every rule where a profile reads the sources one way or another says how, in a reading note
    for name in SHIPPED:
        p = load_profile(name)
        for kind in ("medium_opt_out", "conversation_quiet", "channel_consent"):
            assert all(r.reading for r in p.of_kind(kind)), (name, kind)
    assert "inconvenient" in load_profile("cn_gbt45251_2025").rule("CN-02").reading
    us = load_profile("us_reg_f_2021")
    assert us.rule("US-06").params == {"consent_lifts_opt_out": True, "revoked_consent_opts_out": False}
    assert us.rule("US-08").params["any_inbound_call"] is False
    strict = load_profile("strict_v1")
    assert strict.rule("ST-OPT-OUT").params == {"consent_lifts_opt_out": False, "revoked_consent_opts_out": True}
    assert strict.rule("ST-QUIET").params == {"days": 7, "any_inbound_call": True}
    assert strict.rule("ST-CAPS").params["month_days"] == 31
    for rule_id in ("ST-OPT-OUT", "ST-QUIET", "ST-CAPS"):
        assert strict.rule(rule_id).reading.startswith("Protective reading"), rule_id
    assert "reading" in strict.to_frame()


def test_a_reading_must_be_text(tmp_path):
    rule = {"id": "A", "kind": "rationale", "title": "t", "cite": "c", "basis": "law", "reading": ""}
    with pytest.raises(PolicyError, match=r"rules\[0\] \(A\).reading must be a non-empty string"):
        load_profile(_write(tmp_path, [rule]))


def _window(start, end):
    return [{"id": "A", "kind": "time_window", "title": "t", "cite": "c", "basis": "law",
             "params": {"start": start, "end": end}}]


@pytest.mark.parametrize(("text", "match"), [
    ("end: 21:00", r"params.end must be a time 'HH:MM' in quotes: YAML reads an unquoted time such as 21:00 as the "
                   r"number 1260; write \"21:00\"; got 1260"),
    ("end: 8", r"params.end must be a time 'HH:MM' in quotes, such as \"08:00\"; got 8"),
])
def test_an_unquoted_time_is_named_as_yaml_read_it(tmp_path, text, match):
    """YAML 1.1 reads 21:00 as 1260 (base 60): 'must be a time, got 1260' did not say why."""
    path = _write(tmp_path, _window("08:00", "20:00"))
    path.write_text(path.read_text().replace("end: '20:00'", text))
    with pytest.raises(PolicyError, match=match):
        load_profile(path)


def test_a_window_that_ends_before_it_starts_is_refused(tmp_path):
    """start 22:00, end 21:00 loaded, and was read as a window through the night."""
    with pytest.raises(PolicyError, match=r"mine.yaml: rules\[0\] \(A\).params start 22:00 must be before end 21:00"):
        load_profile(_write(tmp_path, _window("22:00", "21:00")))
    with pytest.raises(PolicyError, match=r"start 21:00 must be before end 21:00"):
        load_profile("us_reg_f_2021", overrides={"US-01.start": "21:00"})


def test_a_profile_without_a_time_window_warns(tmp_path):
    rationale = [{"id": "A", "kind": "rationale", "title": "t", "cite": "c", "basis": "law"}]
    with pytest.warns(PolicyWarning, match=r"mine.yaml: the profile has no time_window rule, so contact may be "
                                           r"planned at any hour"):
        load_profile(_write(tmp_path, rationale))
