"""The SOP.md §1 roles exist with Chinese names and sensible permissions (migration 0002)."""

from organization.choices import RoleCode
from organization.models import Role


def test_every_sop_role_is_created_with_its_chinese_name(db):
    roles = {r.code: r.name for r in Role.objects.all()}
    assert set(roles) == set(RoleCode.values)
    assert roles["office_manager"] == "管理处经理"
    assert roles["cs_supervisor"] == "客服主管"
    assert roles["resident"] == "住户"


def test_company_roles_are_company_scoped(db):
    company_roles = set(Role.objects.filter(scope="company").values_list("code", flat=True))
    assert company_roles == {"general_manager", "vice_president", "quality_department"}


def _perms(code):
    role = Role.objects.get(code=code)
    return {f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all()}


def test_only_office_leadership_and_supervisor_see_full_id_numbers(db):
    holders = {r.code for r in Role.objects.filter(permissions__codename="view_resident_id_number")}
    assert holders == {"office_manager", "assistant_manager", "cs_supervisor"}


def test_front_desk_may_register_move_ins_but_guards_may_not(db):
    assert "estates.add_movein" in _perms("cs_staff")
    assert "estates.add_movein" not in _perms("security_guard")
    assert "estates.import_households" not in _perms("cs_staff")
    assert "estates.import_households" in _perms("cs_supervisor")
