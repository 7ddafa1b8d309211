import pytest

from subsidy.intake.catalogue import Catalogue, strip_decorations

CAT = Catalogue.load()


@pytest.mark.parametrize("text, name", [
    ("耕地地力保护补贴", "耕地地力保护补贴"),
    ("2022年耕地地力保护补贴", "耕地地力保护补贴"),
    ("2022年度耕地地力保护补贴资金", "耕地地力保护补贴"),
    ("永嘉县岩头镇2022年度耕地地力保护补贴资金发放清册", "耕地地力保护补贴"),
    ("公益林补偿", "生态公益林补偿"),
    ("2022年实际种粮农民一次性补贴", "实际种粮农民一次性补贴"),
    ("种粮大户补贴", "粮食规模种植补贴"),
])
def test_canonical_names(text, name):
    assert CAT.canonical(text) == name


def test_an_unknown_subsidy_keeps_its_cleaned_name():
    assert CAT.name_from_cell("2022年度茶园改造补助资金") == "茶园改造补助"
    assert CAT.name_from_title("岩头镇2022年茶园改造补助发放清册") == "茶园改造补助"
    assert CAT.name_from_title("Sheet1") is None


def test_strip_decorations():
    assert strip_decorations("2022年度第二批稻谷补贴资金发放清册") == "稻谷补贴"


def test_every_entry_has_policy_basis_and_description():
    for entry in CAT.entries.values():
        assert entry.policy_basis and entry.description


def test_a_county_extends_the_catalogue(tmp_path):
    extra = tmp_path / "subsidies.csv"
    extra.write_text("name,synonyms,policy_basis,description\n茶园改造补助,茶园补助|茶叶补助,某县文件,茶园改造\n",
                     encoding="utf-8")
    cat = Catalogue.load([extra])
    assert cat.canonical("2022年茶叶补助资金") == "茶园改造补助"
    assert cat.entries["茶园改造补助"].policy_basis == "某县文件"
    assert cat.canonical("耕地地力补贴") == "耕地地力保护补贴"
