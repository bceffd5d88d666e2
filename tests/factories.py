"""Test data builders (factory_boy)."""

import factory
from django.contrib.auth import get_user_model

from jianbao.bulletins.models import Series, SeriesSection
from jianbao.core.roles import grant_role
from jianbao.network.models import Organisation

SECTIONS = ["重要政策动态", "联盟联络组及协发网动态", "试点联盟动态及协发网网员单位动态"]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Sequence(lambda n: f"同事{n}")

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(extracted or "correct horse battery")
        if create:
            user.save(update_fields=["password"])


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试领域{n}产业技术创新战略联盟")
    kind = Organisation.Kind.ALLIANCE


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = "series-1"
    title = "产业技术创新战略联盟试点工作"
    name = "简报"
    office = "联盟试点工作联络组办公室"
    default_distribution = {"报": ["科技部"], "送": ["各试点产业技术创新战略联盟"]}

    @factory.post_generation
    def sections(series, create, extracted, **kwargs):
        for position, title in enumerate(extracted or SECTIONS):
            SeriesSection.objects.get_or_create(
                series=series, title=title, defaults={"position": position}
            )


def person(username: str, *roles: str, alliance=None, name: str = ""):
    user = UserFactory(username=username, first_name=name or username)
    for role in roles:
        grant_role(user, role, alliance=alliance if role == "submitter" else None)
    return user
