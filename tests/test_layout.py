from subsidy.county_year import Partition, partition_of, partitions


def _touch(root, *rels):
    for rel in rels:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")


def test_year_and_county_folders_are_partitions(tmp_path):
    _touch(tmp_path, "2022/永嘉县/岩头镇/a.xlsx", "2022/瑞安市/b.xls", "2023/永嘉县/c.csv", "villages.csv",
           "2022/notice.toml")
    assert partitions(tmp_path) == [Partition(2022, "永嘉县"), Partition(2022, "瑞安市"), Partition(2023, "永嘉县")]
    assert partition_of("2022/永嘉县/岩头镇/a.xlsx").key == "2022-永嘉县"
    assert Partition.from_key("2022-永嘉县") == Partition(2022, "永嘉县")


def test_a_year_folder_per_town_or_a_loose_file_means_one_flat_county_year(tmp_path):
    _touch(tmp_path / "a", "2022/岩头镇/清册.xlsx")  # 岩头镇 is a town, not a county
    assert partitions(tmp_path / "a") == []
    _touch(tmp_path / "b", "2022/永嘉县/清册.xlsx", "补报.xlsx")  # a roster outside the county folders
    assert partitions(tmp_path / "b") == []
