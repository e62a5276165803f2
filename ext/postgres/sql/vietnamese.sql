-- The vietnamese configuration: units, their keys, and matching as written.
CREATE EXTENSION chu;
SELECT * FROM ts_token_type('chu');
SELECT * FROM ts_parse('chu', 'Hoà bình, 62.000 tỷ (COVID-19)!');
SELECT alias, token, lexemes FROM ts_debug('vietnamese', 'Phụ NỮ Tp.HCM 2020');
-- one key per unit: NFC, the tone on the main vowel, lowercase
SELECT to_tsvector('vietnamese', 'Hòa bình, Phụ nữ 2020! COVID-19 và Đà Nẵng');
SELECT to_tsvector('vietnamese', 'hòa khỏe thủy') = to_tsvector('vietnamese', 'hoà khoẻ thuỷ') AS tone_styles_agree;
-- "Việt" written with combining marks (NFD) is the same key
SELECT to_tsvector('vietnamese', U&'Vie\0302\0323t') = to_tsvector('vietnamese', 'Việt') AS nfd_is_nfc;
SELECT ts_lexize('chu_dict', 'HÒA'), ts_lexize('chu_dict', 'hòa-bình'), ts_lexize('chu_dict', '...');
-- PostgreSQL's own query functions take a query as written
SELECT websearch_to_tsquery('vietnamese', 'hòa bình'), phraseto_tsquery('vietnamese', 'Hoà Bình');
SELECT to_tsvector('vietnamese', 'Bàn về hoà bình.') @@ websearch_to_tsquery('vietnamese', 'hòa bình') AS hoa_finds_hoa;
SELECT to_tsvector('vietnamese', 'Bàn về hoà bình.') @@ websearch_to_tsquery('vietnamese', '"bình hoà"') AS wrong_order;
SELECT to_tsvector('vietnamese', 'Bàn về hoà bình.') @@ websearch_to_tsquery('vietnamese', '"về hòa bình"') AS phrase;
SELECT to_tsvector('vietnamese', 'Bàn về hoà bình.') @@ to_tsquery('vietnamese', 'bàn <2> hòa') AS distance;
SELECT to_tsvector('vietnamese', 'Phụ nữ') @@ websearch_to_tsquery('vietnamese', 'phu nu') AS as_written_misses;
-- empty text and text without units
SELECT to_tsvector('vietnamese', '') AS empty, to_tsvector('vietnamese', ' ... !? ') AS no_units;
SELECT count(*) FROM ts_parse('chu', '');
SELECT length(to_tsvector('vietnamese', repeat('Hà Nội. ', 10000))) AS two_keys;
