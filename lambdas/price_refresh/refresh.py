"""The price refresh, with its AWS clients passed in (the handler builds them; tests stub them).

1. ``GetProducts`` for AmazonBedrock, AmazonBedrockFoundationModels and AmazonBedrockService (Price List
   API, us-east-1 endpoint), filtered to the account's Region(s): the Region a call is made in sets its
   price, so those are the cells metering needs.
2. ``build_catalog`` -> merged over the bundled catalog (``lambdas.pricing.merge``): refreshed cells win,
   the bundled catalog stays for every model, Region and rate the Price List lacks.
3. The merged catalog is written to the S3 object ``current_catalog()`` reads (metering picks it up within
   its cache TTL, no redeploy).
4. ``PriceCatalogAgeDays`` (GenAI/Cost, [Environment]) is published on every run (EMF through Powertools
   Metrics, ``lambdas.own_metrics``), also when the refresh fails (then for the catalog metering still
   uses), so a stuck refresh shows as a rising age.
5. Models in use without a price (``UnpricedInvocations`` > 0 per [Environment, Model] over the schedule
   period, or a feature's ``inference_profile_copy_from``) are sent to the SNS topic, with the catalog's
   ``as_of`` and source.
6. Before 3: a refreshed rate of a model in use (metered in the last two weeks, or a feature's
   ``inference_profile_copy_from``) that is zero or less than half the rate it replaces is held back, the
   previous rate published instead, unless ``price_refresh.allow_price_drops`` (``drops.py``); held or
   accepted, such rates are sent to the SNS topic.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from core import contract as c
from core.contract import NAMESPACE
from core.runtime_config import DeployEnvironment, load_runtime_config
from lambdas import own_metrics
from lambdas.metric_data import fetch_sums, models_listed
from lambdas.own_metrics import MetricUnit
from lambdas.price_refresh.drops import SuspectPrice, hold_back, suspect_prices
from lambdas.pricing.catalog import PriceCatalog
from lambdas.pricing.catalog_source import catalog_label
from lambdas.pricing.merge import merge_catalogs
from lambdas.pricing.model_ids import resolve_model_id
from lambdas.pricing.price_list import SERVICE_CODES, build_catalog, diff_catalogs, fetch_records

logger = logging.getLogger(__name__)

AGE_METRIC = c.PRICE_CATALOG_AGE_DAYS
UNPRICED_METRIC = c.UNPRICED
INVOCATIONS_METRIC = c.INVOCATIONS
_SCOPES = ("in_region", "geo", "global")


class RefreshError(RuntimeError):
    """The refresh could not produce a catalog worth publishing (nothing was written)."""


@dataclass(frozen=True)
class Settings:
    bucket: str
    key: str
    topic_arn: str | None
    region: str
    environment: str
    schedule_days: int
    copy_from: Mapping[str, str]  # feature -> model / system profile id its application profile copies
    allow_price_drops: bool = False
    namespace: str = NAMESPACE

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = DeployEnvironment.from_environ(environ)
        runtime = load_runtime_config(environ=environ)
        return cls(
            bucket=env.require("price_bucket"),
            key=env.price_key,
            topic_arn=env.topic_arn,
            region=env.region,
            environment=runtime.environment,
            schedule_days=env.price_schedule_days,
            copy_from=runtime.feature_copy_from,
            allow_price_drops=runtime.price_refresh.allow_price_drops,
        )


@dataclass(frozen=True)
class MissingPrice:
    model: str
    why: str


@dataclass
class RefreshReport:
    published: bool
    label: str
    version: str
    as_of: str
    age_days: int
    records: int = 0
    mapped_rows: int = 0
    unmapped: int = 0
    changes: int = 0
    missing: list[MissingPrice] = field(default_factory=list)
    notified: bool = False
    held: list[str] = field(default_factory=list)  # suspect rates kept at their previous value
    accepted: list[str] = field(default_factory=list)  # suspect rates published (drops allowed)

    def summary(self) -> dict[str, Any]:
        return {
            "published": self.published,
            "label": self.label,
            "version": self.version,
            "as_of": self.as_of,
            "age_days": self.age_days,
            "records": self.records,
            "mapped_rows": self.mapped_rows,
            "unmapped": self.unmapped,
            "changes": self.changes,
            "missing": [m.model for m in self.missing],
            "notified": self.notified,
            "held": self.held,
            "accepted": self.accepted,
        }


# ---- store ------------------------------------------------------------------------------------------


def read_published(s3: Any, settings: Settings) -> PriceCatalog | None:
    """The catalog currently in S3, or None when nothing was published (or it is unreadable)."""
    try:
        body = s3.get_object(Bucket=settings.bucket, Key=settings.key)["Body"].read()
        return PriceCatalog.from_dict(json.loads(body))
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code not in ("NoSuchKey", "404"):
            logger.warning("cannot read the published catalog (%s): comparing with the bundled one", code)
        return None
    except Exception as exc:  # an unreadable object (not JSON, not a catalog) is as good as none
        code = type(exc).__name__
        if code not in ("NoSuchKey", "404"):
            logger.warning("cannot read the published catalog (%s): comparing with the bundled one", code)
        return None


def catalog_json(catalog: Mapping[str, Any]) -> bytes:
    """Bundled-catalog layout: top-level keys one per line, one model per line (diffable)."""
    lines = ["{"]
    head = [k for k in catalog if k != "models"]
    for k in head:
        lines.append(f"{json.dumps(k)}: {json.dumps(catalog[k], separators=(',', ':'))},")
    lines.append('"models": {')
    models = list((catalog.get("models") or {}).items())
    for i, (model_id, model) in enumerate(models):
        sep = "," if i < len(models) - 1 else ""
        lines.append(f"{json.dumps(model_id)}: {json.dumps(model, separators=(',', ':'))}{sep}")
    lines.append("}}")
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---- metrics and notifications ----------------------------------------------------------------------


def age_days(catalog: PriceCatalog, today: date) -> int:
    try:
        return max(0, (today - date.fromisoformat(catalog.as_of[:10])).days)
    except ValueError:
        return 9999  # an unreadable as_of is as bad as a very old one


def publish_age_metric(settings: Settings, days: int, now: datetime) -> None:
    own_metrics.publish(
        [(c.ENVIRONMENT, settings.environment)],
        [(AGE_METRIC, MetricUnit.NoUnit, float(days))],
        namespace=settings.namespace,
        timestamp=now,
    )


def unpriced_models_in_use(cloudwatch: Any, settings: Settings, now: datetime) -> dict[str, int]:
    """{Model: UnpricedInvocations summed over the last schedule period} for models with any."""
    environment = (("Environment", settings.environment),)
    models = models_listed(cloudwatch, settings.namespace, UNPRICED_METRIC, environment)
    days = max(1, settings.schedule_days)
    queries = {f"m{i}": (UNPRICED_METRIC, (*environment, ("Model", m))) for i, m in enumerate(models)}
    sums = fetch_sums(cloudwatch, settings.namespace, queries, now - timedelta(days=days), now, 86400)
    found: dict[str, int] = {}
    for qid, series in sums.series.items():
        total = int(sum(series.values()))
        if total > 0:
            found[models[int(qid[1:])]] = total
    return found


def models_in_use(cloudwatch: Any, settings: Settings) -> set[str] | None:
    """Base model ids metered in this environment in the last two weeks (ListMetrics' window) plus the
    models features' profiles copy; None when CloudWatch cannot tell (then every model counts)."""
    models = {resolve_model_id(target).base_model_id or target for target in settings.copy_from.values()}
    try:
        environment = (("Environment", settings.environment),)
        models.update(models_listed(cloudwatch, settings.namespace, INVOCATIONS_METRIC, environment))
    except Exception as exc:  # a price check that cannot see usage checks every model instead
        logger.warning("cannot list the models in use (%s): checking every model's price drops", exc)
        return None
    return models


def notify_suspects(
    sns: Any, settings: Settings, suspects: Sequence[SuspectPrice], *, held: bool, function_name: str
) -> None:
    count = len(suspects)
    if held:
        subject = f"GenAI cost guardrails ({settings.environment}): {count} price drop(s) held back"
        head = (
            f"Environment {settings.environment}, Region {settings.region}: the AWS Price List refresh "
            "returned these rates for models in use, zero or less than half of the rates they replace. They "
            "were NOT published: metering keeps pricing these models at the previous rates."
        )
        fix = [
            "If AWS really lowered these prices: set price_refresh.allow_price_drops: true for this account, "
            f"deploy, run the refresh (aws lambda invoke --function-name {function_name} out.json), then set "
            "it back to false and deploy. If not, nothing to do: the previous rates stay; this message "
            "repeats on every refresh until the Price List changes or the drop is allowed.",
        ]
    else:
        subject = f"GenAI cost guardrails ({settings.environment}): {count} price drop(s) published"
        head = (
            f"Environment {settings.environment}, Region {settings.region}: "
            "price_refresh.allow_price_drops is on, so these rates for models in use, zero or less than half "
            "of the rates they replace, were published: cost metrics of these models now use them."
        )
        fix = ["Set price_refresh.allow_price_drops back to false once the intended drops are published."]
    listed = [f"- {s.describe()}" for s in suspects[:100]]
    if count > 100:
        listed.append(f"- ... and {count - 100} more (the function's log lists them all)")
    lines = [head, "", *listed, "", *fix]
    sns.publish(TopicArn=settings.topic_arn, Subject=subject[:100], Message="\n".join(lines))


def _priced(catalog: PriceCatalog, model: str, region: str, scopes: Sequence[str]) -> bool:
    for scope in scopes:
        entry = catalog.entry(model, region, scope)  # type: ignore[arg-type]
        card = entry.cards.get("standard") if entry is not None else None
        if card is not None and (card.input is not None or card.units):  # tokens, or images/queries/seconds
            return True
    return False


def missing_prices(
    catalog: PriceCatalog, settings: Settings, unpriced: Mapping[str, int]
) -> list[MissingPrice]:
    missing: dict[str, MissingPrice] = {}
    for model, count in sorted(unpriced.items()):
        if not _priced(catalog, model, settings.region, _SCOPES):
            why = (
                f"{count} unpriced invocation(s) in the last {settings.schedule_days} day(s); "
                f"no price in {settings.region}"
            )
            missing[model] = MissingPrice(model, why)
    for feature, target in sorted(settings.copy_from.items()):
        resolved = resolve_model_id(target)
        base = resolved.base_model_id
        if base is None:
            missing.setdefault(target, MissingPrice(target, f"feature {feature}: {resolved.unpriced_reason}"))
            continue
        if not _priced(catalog, base, settings.region, (resolved.scope,)):
            why = (
                f"feature {feature}'s inference profile copies {target}; "
                f"no {resolved.scope} price in {settings.region}"
            )
            if base in missing:
                why = f"{missing[base].why}; {why}"
            missing[base] = MissingPrice(base, why)
    return list(missing.values())


def notify_missing(
    sns: Any, settings: Settings, catalog: PriceCatalog, missing: Sequence[MissingPrice]
) -> None:
    label = catalog_label(catalog)
    subject = f"GenAI cost guardrails ({settings.environment}): {len(missing)} model(s) in use have no price"
    lines = [
        f"Environment {settings.environment}, Region {settings.region}: these models are in use but the "
        "price catalog has no price for them, so their calls are metered as tokens without a cost "
        "(UnpricedInvocations), never as free.",
        f"Catalog: {label}, version {catalog.version}.",
        "",
        *(f"- {m.model}: {m.why}" for m in missing),
        "",
        "Fix: add the price under the account's pricing.overrides in the guardrails config (applies on the "
        "next deploy), or add the model to lambdas/pricing/sources/table.py (see docs/pricing.md).",
    ]
    sns.publish(TopicArn=settings.topic_arn, Subject=subject[:100], Message="\n".join(lines))


# ---- the refresh ------------------------------------------------------------------------------------


def _offer_version(records: Sequence[Mapping[str, Any]]) -> str | None:
    versions = sorted({str(r["version"]) for r in records if r.get("version")})
    return versions[-1] if versions else None


def run_refresh(
    *,
    pricing: Any,
    s3: Any,
    cloudwatch: Any,
    sns: Any,
    settings: Settings,
    now: datetime | None = None,
    bundled: PriceCatalog | None = None,
    function_name: str = "<price refresh function>",
) -> RefreshReport:
    now = now or datetime.now(UTC)
    today = now.date()
    as_of = today.isoformat()
    bundled = bundled or PriceCatalog.load()
    try:
        records = list(fetch_records(pricing, SERVICE_CODES, region_code=settings.region))
        offer = _offer_version(records)
        source = (
            f"AWS Price List GetProducts ({', '.join(SERVICE_CODES)}) for {settings.region}, fetched {as_of}"
            + (f", offer version {offer}" if offer else "")
        )
        result = build_catalog(records, as_of=as_of, source=source)
        if not result.rows:
            raise RefreshError(
                f"the Price List returned {len(records)} record(s) for {settings.region} and none mapped "
                "to a catalog cell: nothing published"
            )
        merged = merge_catalogs(
            bundled.to_dict(),
            result.catalog_dict,
            as_of=as_of,
            source=source,
            unmapped_count=len(result.unmapped),
        )
        catalog = PriceCatalog.from_dict(merged)  # validates before anything is written
    except Exception:
        # The age of the catalog metering still uses keeps being reported: a broken refresh shows up.
        current = read_published(s3, settings) or bundled
        publish_age_metric(settings, age_days(current, today), now)
        raise
    previous = read_published(s3, settings) or bundled
    changes = diff_catalogs(previous.to_dict(), merged)
    suspects = suspect_prices(changes, models_in_use(cloudwatch, settings))
    for suspect in suspects:
        logger.warning(
            "suspect price", extra={"change": suspect.describe(), "allowed": settings.allow_price_drops}
        )
    if suspects and not settings.allow_price_drops:
        merged = hold_back(merged, suspects)
        catalog = PriceCatalog.from_dict(merged)
        changes = diff_catalogs(previous.to_dict(), merged)
    for unmapped in result.unmapped:
        logger.info(
            "unmapped Price List record",
            extra={"sku": unmapped.sku, "usagetype": unmapped.usagetype, "reason": unmapped.reason},
        )
    s3.put_object(
        Bucket=settings.bucket,
        Key=settings.key,
        Body=catalog_json(merged),
        ContentType="application/json",
        Metadata={"as-of": as_of, "version": catalog.version},
    )
    days = age_days(catalog, today)
    publish_age_metric(settings, days, now)
    report = RefreshReport(
        published=True,
        label=catalog_label(catalog),
        version=catalog.version,
        as_of=catalog.as_of,
        age_days=days,
        records=len(records),
        mapped_rows=len(result.rows),
        unmapped=len(result.unmapped),
        changes=len(changes),
    )
    described = [suspect.describe() for suspect in suspects]
    if settings.allow_price_drops:
        report.accepted = described
    else:
        report.held = described
    if suspects and settings.topic_arn:
        held = not settings.allow_price_drops
        notify_suspects(sns, settings, suspects, held=held, function_name=function_name)
        report.notified = True
    for change in changes[:200]:
        logger.info("price change", extra={"change": change.describe()})
    report.missing = missing_prices(catalog, settings, unpriced_models_in_use(cloudwatch, settings, now))
    if report.missing and settings.topic_arn:
        notify_missing(sns, settings, catalog, report.missing)
        report.notified = True
    return report
