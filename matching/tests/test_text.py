from matching.text import query_terms, stem, terms, words


def test_stemming_joins_the_forms_of_a_word():
    assert {stem(w) for w in ("walk", "walks", "walking", "walked")} == {"walk"}
    assert stem("gardening") == stem("gardens") == "garden"
    assert stem("loneliness") == stem("lonely")
    assert stem("counselling") == stem("counseling")


def test_stemming_leaves_short_and_special_words_alone():
    assert stem("bus") == "bus"
    assert stem("class") == "class"
    assert stem("business") == "business"
    assert stem("falling") == "fall"


def test_stop_words_and_punctuation_are_dropped():
    assert words("I'm lonely, and I need help!") == ["lonely"]


def test_terms_keep_repeats_for_term_frequency():
    assert terms("walk, walks and walking") == ["walk", "walk", "walk"]


def test_query_terms_remember_the_word_the_person_used():
    assert query_terms("Gardening and walks") == {"garden": "gardening", "walk": "walks"}


def test_hsds_byday_names_weekly_and_monthly_days_alike():
    from matching.documents import weekdays

    assert weekdays("MO,WE") == ["mon", "wed"]
    assert weekdays("1WE") == ["wed"]  # the first Wednesday of the month
    assert weekdays("-1FR, TU") == ["fri", "tue"]
    assert weekdays("") == [] and weekdays(None) == [] and weekdays("XX,2") == []
