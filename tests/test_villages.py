import pytest

from subsidy.intake.villages import VillageRegistry

REG = VillageRegistry.bundled()


@pytest.mark.parametrize("written", ["苍坡村", "苍坡村委会", "苍坡村民委员会", "苍坡", " 苍坡村 ", "岩头镇苍坡村",
                                     "永嘉县岩头镇苍坡村", "苍坡村村委会", "岩头镇/苍坡村", "岩头镇-苍坡村", "330324108224",
                                     "苍坡村（原东岙村）", "潮记村(现苍坡村)", "苍坡村(二组)", "苍坡村股份经济合作社",
                                     "岩头镇苍坡村第三村民小组经济合作社"])
def test_written_forms_match_the_official_village(written):
    match = REG.match(written)
    assert match.village is not None and match.village.code == "330324108224"
    assert match.village.short_name == "苍坡村"


def test_a_name_in_several_towns_is_ambiguous_until_the_town_decides():
    assert REG.match("西岙村").village is None
    assert "重名" in REG.match("西岙村").reason
    assert REG.match("西岙村", town="桥下镇").village.code == "330324104225"
    assert REG.match("西岙村", town="桥下").village.code == "330324104225"


def test_unknown_name_is_reported_not_guessed():
    match = REG.match("潮记村")
    assert match.village is None and "不在村名册中" in match.reason
    match = REG.match("潮记村（原东岙村）")
    assert match.village is None and match.reason == "“潮记村（原东岙村）”不在村名册中"
    match = REG.match("芙蓉村（二组）")  # 芙蓉村 is in two towns: still ambiguous, and said so
    assert match.village is None and "重名" in match.reason
    assert REG.match("芙蓉村（二组）", town="岩头镇").village.code == "330324108207"


def test_communities_keep_their_name():
    match = REG.match("鼓楼社区")
    assert match.village.short_name == "鼓楼社区"


def test_village_in_a_title():
    found = REG.find_in_text("永嘉县岩头镇苍坡村2022年度耕地地力保护补贴发放清册")
    assert found.village.code == "330324108224"
    assert REG.find_in_text("永嘉县岩头镇2022年度耕地地力保护补贴发放清册") is None


def test_town_and_county_in_text():
    assert REG.town_in("桥下镇2022年稻谷补贴") == "桥下镇"
    assert REG.town_in("桥下") == "桥下镇"
    assert REG.county_in("永嘉县岩头镇") == "永嘉县"
    assert REG.county_in("永嘉") == "永嘉县"


def test_a_town_stem_inside_a_village_name_is_not_a_town():
    # 岩头 is a town's stem, but a title naming 岩头村 does not name 岩头镇
    assert REG.town_in("岩头村2022年稻谷补贴") is None


def test_a_county_roster_with_aliases_replaces_the_bundled_one(tmp_path):
    text = ("village_code,village_name,town_name,county_name,aliases\n"
            "1,新联村,城关镇,某县,老联村|联合村\n2,新联村,河口镇,某县,\n")
    reg = VillageRegistry.from_csv(tmp_path / "villages.csv", text)
    assert reg.match("老联村").village.code == "1"
    assert reg.match("新联村", town="河口镇").village.code == "2"
    assert reg.match("新联村").village is None
    assert reg.match("苍坡村").village is None
