import pytest

from subsidy.privacy import find_unmasked, mask_account, mask_id, mask_name, mask_phone
from tests.builders import make_id

ID = make_id(seq=12)


def test_one_mask_for_ids_accounts_phones_and_names():
    assert mask_id(ID) == ID[:6] + "********" + ID[-4:]
    assert mask_id("33032419650312041X") == "330324********041X"
    assert mask_account("6230 9100 0000 1234 567") == "****4567"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0577-67221234") == "0577-67221234"  # an office landline stays as it is
    assert [mask_name(n) for n in ("张三", "张三明", "欧阳小明", "张")] == ["张*", "张*明", "欧**明", "张"]


@pytest.mark.parametrize("text", [ID, f"代领人{ID}", "卡号6230910000001234567", "身份证 3303 2419 6503 1200 7X",
                                  ID[:-1] + "x"])
def test_full_numbers_are_found(text):
    assert find_unmasked(text)


@pytest.mark.parametrize("text", [mask_id(ID), "****4567", "金额1,234,567.00元", "2022年12月1日", "330324108224",
                                  "13812341234"])
def test_masked_numbers_money_dates_and_village_codes_are_not(text):
    assert find_unmasked(text) is None


def test_numbers_inside_a_text_are_masked():
    from subsidy.privacy import mask_numbers

    assert mask_numbers(f"补助{ID}") == f"补助{mask_id(ID)}"
    assert mask_numbers("卡号6230910000001234567") == "卡号623091*********4567"
    assert find_unmasked(mask_numbers(f"{ID} 6230910000001234567")) is None


def test_the_quick_scan_passes_every_number_the_three_patterns_find():
    """find_unmasked first rules a text out with one fast scan: it must never rule out a text one of the three
    patterns would have caught (shortest IDs with an X, spaced and dashed groups, full-width spaces)."""
    import random

    from subsidy import privacy

    def slow(text):
        return next((m.group(0) for p in (privacy._ID_LIKE, privacy._ACCOUNT_LIKE, privacy._DIGITS_WITH_SPACES)
                     if (m := p.search(text))), None)

    rng = random.Random(7)
    alphabet = "0123456789" * 6 + "Xx -\u3000*.张元\n"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(10, 40))) for _ in range(20_000)]
    texts += ["1" * 15 + "X", "1234 5678 9012 345X", "1234\u30005678\u30009012\u30003456", "12-34-56-78-90-12-34-56"]
    caught = 0
    for text in texts:
        assert find_unmasked(text) == slow(text), text
        caught += slow(text) is not None
    assert caught > 1000  # the texts put the quick scan to the test
