"""Every existing lost deal's missing-feature names become feature requests and ``lost``
demands, as the ``deal.lost`` subscriber records them from now on.

Names match existing requests of the same organization ignoring case and accents
(``collab_hub.search.fold``; a merged request resolves to the one it was merged into), else
a ``new`` request is created; one ``lost`` demand per request and deal (company and deal from
the deal, value = the deal's value). Running it again adds nothing. Reversing it does not
delete anything (requests may have been worked on since).
"""

from django.db import migrations

from collab_hub.search import fold


def forwards(apps, schema_editor):
    Deal = apps.get_model("leads", "Deal")
    FeatureRequest = apps.get_model("roadmap", "FeatureRequest")
    FeatureStatusChange = apps.get_model("roadmap", "FeatureStatusChange")
    Demand = apps.get_model("roadmap", "Demand")

    by_org: dict[int, dict[str, object]] = {}

    def requests_of(organization_id):
        if organization_id not in by_org:
            titles = {}
            rows = FeatureRequest.objects.filter(organization_id=organization_id).order_by(
                "created_at", "pk"
            )
            for request in rows:
                key = fold(request.title.strip())
                # An unmerged request wins over a merged one of the same title.
                if key not in titles or (
                    titles[key].merged_into_id is not None and request.merged_into_id is None
                ):
                    titles[key] = request
            by_org[organization_id] = titles
        return by_org[organization_id]

    def final(request):
        seen = set()
        while request.merged_into_id is not None and request.pk not in seen:
            seen.add(request.pk)
            request = FeatureRequest.objects.get(pk=request.merged_into_id)
        return request

    deals = Deal.objects.filter(stage="lost").exclude(missing_features=[]).order_by("pk")
    for deal in deals.iterator():
        names = deal.missing_features if isinstance(deal.missing_features, list) else []
        titles = requests_of(deal.organization_id)
        done = set()
        for name in names:
            name = str(name).strip()[:200]
            if not name:
                continue
            key = fold(name)
            request = titles.get(key)
            if request is None:
                request = FeatureRequest.objects.create(
                    organization_id=deal.organization_id,
                    title=name,
                    description=f"Missing when the deal {deal.name} was lost.",
                    created_by_id=deal.owner_id,
                    created_at=deal.closed_at or deal.updated_at,
                )
                FeatureStatusChange.objects.create(
                    organization_id=deal.organization_id,
                    feature_request=request,
                    from_status="",
                    to_status="new",
                    by_id=deal.owner_id,
                )
                titles[key] = request
            request = final(request)
            if request.pk in done:
                continue
            done.add(request.pk)
            if Demand.objects.filter(feature_request=request, deal=deal).exists():
                continue
            Demand.objects.create(
                organization_id=deal.organization_id,
                feature_request=request,
                company_id=deal.company_id,
                deal=deal,
                kind="lost",
                value=deal.value,
                raised_by_id=deal.owner_id,
                note=deal.lost_note,
                created_at=deal.closed_at or deal.updated_at,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0001_initial"),
        ("leads", "0011_editing_and_reopen"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
