import unicodedata

import pytest

from crm.core.text import fold, fts5_query, pg_tsquery, tokens


@pytest.mark.parametrize("text, folded", [
    ("Nguyễn Văn A", "nguyen van a"),
    ("ĐỖ THỊ HỒNG NHUNG", "do thi hong nhung"),
    ("Đường Trần Hưng Đạo", "duong tran hung dao"),
    ("  Lê   Lợi \n", "le loi"),
    ("", ""),
    (None, ""),
])
def test_fold_removes_vietnamese_accents_and_maps_d_stroke(text, folded):
    assert fold(text) == folded


def test_fold_treats_nfd_and_nfc_alike():
    nfc = "Phường Hòa Khánh Bắc"
    assert fold(unicodedata.normalize("NFD", nfc)) == fold(nfc) == "phuong hoa khanh bac"


def test_tokens_keep_words_and_digits_only():
    assert tokens("Mất điện!! ở 12/3 Lê-Lợi") == ["mat", "dien", "o", "12", "3", "le", "loi"]


def test_queries_require_every_word_and_treat_the_last_as_prefix():
    assert pg_tsquery(["nguyen", "van", "a"]) == "nguyen & van & a:*"
    assert fts5_query(["nguyen", "van", "a"]) == '"nguyen" "van" "a"*'
