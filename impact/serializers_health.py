"""Output serializers of the health check endpoints (read-only).

Results are aggregates only: there is no serializer of a response or an answer, so no
endpoint can hand out one person's scores or comments.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from impact.models import HealthFactor
from impact.selectors_health import RoundState
from impact.selectors_health_results import HealthResults, SuppressedReason


def _average(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=3, decimal_places=2, coerce_to_string=False, **kwargs
    )


class HealthRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partnership = serializers.IntegerField(source="partnership_id")
    title = serializers.CharField()
    opens_on = serializers.DateField(help_text="First day people may answer.")
    closes_on = serializers.DateField(help_text="Last day people may answer (included).")
    state = serializers.ChoiceField(
        choices=RoundState.choices,
        help_text="Today in the workspace's time zone: upcoming before opens_on, closed after "
        "closes_on, open in between.",
    )
    respondent_count = serializers.IntegerField(help_text="People who answered (a count only).")
    organization_count = serializers.IntegerField(
        help_text="Distinct organizations whose people answered."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(
        help_text="Moves when the round changes and when someone answers."
    )


class FactorAverageSerializer(serializers.Serializer):
    factor = serializers.ChoiceField(choices=HealthFactor.choices)
    average = _average()


class ScoreCountSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    label = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="Of the answers to this factor, rounded.")


class FactorResultSerializer(serializers.Serializer):
    factor = serializers.ChoiceField(choices=HealthFactor.choices)
    name = serializers.CharField(help_text="Short name of the factor.")
    statement = serializers.CharField(help_text="The statement people rated.")
    average = _average(allow_null=True, help_text="null while the results are suppressed.")
    answered = serializers.IntegerField(help_text="0 while the results are suppressed.")
    distribution = ScoreCountSerializer(
        many=True, allow_null=True, help_text="Answers per point of the scale; null if suppressed."
    )


class SectorGroupSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A sector code, or `other` for merged sectors.")
    label = serializers.CharField()
    sectors = serializers.ListField(
        child=serializers.CharField(), help_text="The sector codes the group holds."
    )
    respondents = serializers.IntegerField(help_text="At least the minimum number.")
    averages = FactorAverageSerializer(many=True)


class SectorSpreadSerializer(serializers.Serializer):
    factor = serializers.ChoiceField(choices=HealthFactor.choices)
    spread = _average(help_text="Highest minus lowest sector group average.")
    highest = serializers.CharField(help_text="Key of the group with the highest average.")
    lowest = serializers.CharField(help_text="Key of the group with the lowest average.")
    notable = serializers.BooleanField(help_text="The sectors see this factor differently.")


class SectorComparisonSerializer(serializers.Serializer):
    compared = serializers.BooleanField(
        help_text="false when fewer than two sector groups have enough respondents."
    )
    note = serializers.CharField(help_text="How the groups were formed, or why none are shown.")
    groups = SectorGroupSerializer(many=True)
    spread = SectorSpreadSerializer(many=True)


class FactorCommentsSerializer(serializers.Serializer):
    factor = serializers.ChoiceField(choices=HealthFactor.choices)
    comments = serializers.ListField(
        child=serializers.CharField(), help_text="Ordered by their text; never who wrote them."
    )


class TrendRoundSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    title = serializers.CharField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    respondents = serializers.IntegerField()
    averages = FactorAverageSerializer(many=True)


class HealthResultsSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    partnership = serializers.IntegerField()
    state = serializers.ChoiceField(choices=RoundState.choices)
    respondents = serializers.IntegerField(help_text="People who answered.")
    organizations_responded = serializers.IntegerField()
    member_organizations = serializers.IntegerField(
        help_text="Current member organizations of the partnership."
    )
    eligible_people = serializers.IntegerField(
        help_text="People who may answer for a current member organization."
    )
    min_respondents = serializers.IntegerField(
        help_text="Results and comments need at least this many respondents; so does each "
        "sector group."
    )
    suppressed = serializers.BooleanField(
        help_text="true: averages, distributions, sectors and comments are withheld."
    )
    suppressed_reason = serializers.ChoiceField(
        choices=[c for c in SuppressedReason.choices if c[0]],
        allow_null=True,
        help_text="`not_closed`: results appear once the round has closed (answers may still "
        "change); `too_few_respondents`: fewer than min_respondents answered.",
    )
    factors = FactorResultSerializer(many=True)
    sectors = SectorComparisonSerializer()
    comments = FactorCommentsSerializer(many=True)
    trend = TrendRoundSerializer(
        many=True,
        help_text="Closed rounds of the partnership with at least min_respondents, oldest first.",
    )


def _averages(values: dict[str, Decimal]) -> list[dict[str, Any]]:
    return [
        {"factor": factor, "average": values[factor]}
        for factor in HealthFactor.values
        if factor in values
    ]


def results_payload(results: HealthResults) -> dict[str, Any]:
    """The results as ``HealthResultsSerializer`` shapes them."""
    return {
        "round": results.round.pk,
        "partnership": results.round.partnership_id,
        "state": results.state,
        "respondents": results.rate.respondents,
        "organizations_responded": results.rate.organizations,
        "member_organizations": results.rate.member_organizations,
        "eligible_people": results.rate.eligible_people,
        "min_respondents": results.min_respondents,
        "suppressed": results.suppressed,
        "suppressed_reason": results.suppressed_reason or None,
        "factors": [
            {
                "factor": f.factor,
                "name": f.name,
                "statement": f.statement,
                "average": f.average,
                "answered": f.answered,
                "distribution": None
                if f.distribution is None
                else [
                    {"score": c.score, "label": c.label, "count": c.count, "percent": c.percent}
                    for c in f.distribution
                ],
            }
            for f in results.factors
        ],
        "sectors": {
            "compared": results.sectors.compared,
            "note": results.sectors.note,
            "groups": [
                {
                    "key": g.key,
                    "label": g.label,
                    "sectors": g.sectors,
                    "respondents": g.respondents,
                    "averages": _averages(g.averages),
                }
                for g in results.sectors.groups
            ],
            "spread": [
                {
                    "factor": s.factor,
                    "spread": s.spread,
                    "highest": s.highest.key,
                    "lowest": s.lowest.key,
                    "notable": s.notable,
                }
                for s in results.sectors.spreads
            ],
        },
        "comments": [{"factor": c.factor, "comments": c.comments} for c in results.comments],
        "trend": [
            {
                "round": t.round_id,
                "title": t.title,
                "opens_on": t.opens_on,
                "closes_on": t.closes_on,
                "respondents": t.respondents,
                "averages": _averages(t.averages),
            }
            for t in results.trend.rounds
        ],
    }
