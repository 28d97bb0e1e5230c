from core.memo import Memo


def test_a_memo_keeps_at_most_its_size_dropping_the_oldest_first():
    memo = Memo(3)
    for key in "abcd":
        assert memo.remember(key, key.upper()) == key.upper()
    assert list(memo) == ["b", "c", "d"]
    assert memo["d"] == "D"
