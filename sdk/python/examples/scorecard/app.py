"""A scorecard `check` plugin: metadata rules plus open vulnerabilities from an HTTP API."""

from urllib.parse import quote

from portico_sdk import PluginError, config, entity, handler, http, kv, log, secrets
from wit_world import exports
from wit_world.exports.checks import CheckInfo, CheckResult, Outcome

CHECKS = [
    ("has-owner", "Has an owner", "spec.owner names the team that owns the entity."),
    ("has-description", "Has a description", "metadata.description says what the entity is for."),
    ("lifecycle-known", "Known lifecycle", "spec.lifecycle is experimental, production or deprecated."),
    ("has-oncall", "On-call configured", "The pagerduty.com/service-id annotation routes incidents."),
    ("no-critical-vulnerabilities", "No critical vulnerabilities", "Open findings from the security API."),
]
LIFECYCLES = {"experimental", "production", "deprecated"}


def result(check_id: str, outcome: Outcome, message: str, url: str | None = None) -> CheckResult:
    return CheckResult(check_id=check_id, outcome=outcome, message=message, url=url)


def metadata_results(d: entity.Descriptor) -> list[CheckResult]:
    out = []
    if d.owner:
        out.append(result("has-owner", Outcome.PASS, f"owned by {d.owner}"))
    else:
        out.append(result("has-owner", Outcome.FAIL, "spec.owner is missing: name the owning team"))
    if d.description and len(d.description.strip()) >= 10:
        out.append(result("has-description", Outcome.PASS, "described"))
    else:
        out.append(result("has-description", Outcome.WARN, "add a metadata.description of a sentence or more"))
    if d.kind.lower() != "component":
        out.append(result("lifecycle-known", Outcome.NOT_APPLICABLE, f"{d.kind} entities have no lifecycle"))
    elif d.lifecycle in LIFECYCLES:
        out.append(result("lifecycle-known", Outcome.PASS, f"lifecycle {d.lifecycle}"))
    else:
        out.append(result("lifecycle-known", Outcome.FAIL, f"unknown lifecycle {d.lifecycle!r}"))
    if d.annotation("pagerduty.com/service-id"):
        out.append(result("has-oncall", Outcome.PASS, "incidents route to PagerDuty"))
    else:
        out.append(result("has-oncall", Outcome.WARN, "add the pagerduty.com/service-id annotation"))
    return out


def vulnerabilities(d: entity.Descriptor, settings: dict) -> dict:
    url = settings["vulnerabilities_url"].replace("{name}", quote(d.name, safe="")).replace(
        "{namespace}", quote(d.namespace, safe="")
    )
    cache_key = f"vulns:{d.namespace}/{d.name}"
    ttl = settings.get("cache_ttl_seconds", 300)
    if ttl > 0:
        cached = kv.get_json(cache_key)
        if cached is not None:
            return cached
    token = secrets.get("security-api-token") if settings.get("use_token") else None
    summary = http.get(url, bearer=token, timeout=5).json()
    if not isinstance(summary, dict):
        raise PluginError.unavailable(f"{url} answered {type(summary).__name__}, expected an object")
    if ttl > 0:
        kv.set_json(cache_key, summary, ttl)
    return summary


def vulnerability_result(d: entity.Descriptor) -> CheckResult:
    settings = config.get()
    if "vulnerabilities_url" not in settings:
        return result("no-critical-vulnerabilities", Outcome.NOT_APPLICABLE, "vulnerabilities_url is not configured")
    summary = vulnerabilities(d, settings)
    critical, high = int(summary.get("critical", 0)), int(summary.get("high", 0))
    link = summary.get("url")
    if critical:
        return result("no-critical-vulnerabilities", Outcome.FAIL, f"{critical} critical, {high} high open", link)
    if high:
        return result("no-critical-vulnerabilities", Outcome.WARN, f"{high} high open", link)
    return result("no-critical-vulnerabilities", Outcome.PASS, "no critical or high findings", link)


class Checks(exports.Checks):
    def list_checks(self) -> list[CheckInfo]:
        return [CheckInfo(id=i, title=t, description=desc) for i, t, desc in CHECKS]

    @handler
    def evaluate(self, e) -> list[CheckResult]:
        d = entity.parse(e)
        log.debug(f"scoring {d.ref()}")
        return metadata_results(d) + [vulnerability_result(d)]
