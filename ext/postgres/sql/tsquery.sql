-- chu_tsquery: websearch syntax; a term typed without marks matches every spelling, a query with
-- any mark is taken as written.
SELECT chu_tsquery('da');
SELECT chu_tsquery('Đà nang');          -- a mark anywhere: every term as written
SELECT chu_tsquery('=nam'), chu_tsquery('kĩ'), chu_tsquery('covid-19'), chu_tsquery('Covid');
SELECT numnode(chu_tsquery('phu nu')) AS nodes, numnode(chu_tsquery('"phu nu" OR -chien')) AS with_operators;
SELECT chu_tsquery('nguye*') @@ to_tsvector('vietnamese', 'Nguyễn') AS prefix;
SELECT chu_tsquery('');
SELECT chu_tsquery('... !');
CREATE TABLE docs (id int PRIMARY KEY, body text);
INSERT INTO docs VALUES
	(1, 'Đoàn đại biểu Phụ nữ thăm Đà Nẵng và bàn về hoà bình.'),
	(2, 'Thợ đá chở đá nặng lên đồi.'),
	(3, 'Hội nghị về phát triển nông nghiệp, hòa bình và hợp tác.'),
	(4, 'Kỹ thuật mới; kĩ sư trẻ.'),
	(5, 'Chiến tranh và hoà bình');
SELECT id FROM docs WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('phu nu') ORDER BY id;
SELECT id FROM docs WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('da nang') ORDER BY id;
SELECT id FROM docs WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('"da nang"') ORDER BY id;
SELECT id FROM docs WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('Đà Nẵng') ORDER BY id;
SELECT id FROM docs WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('hoa binh') ORDER BY id;
SELECT id FROM docs WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('hòa bình') ORDER BY id;
SELECT id FROM docs WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('"binh hoa"') ORDER BY id;
SELECT id FROM docs WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('hoa binh -chien') ORDER BY id;
SELECT id FROM docs WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('nang OR chien') ORDER BY id;
SELECT id FROM docs WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('ky su') ORDER BY id;
SELECT id FROM docs WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('kỹ') ORDER BY id;
SELECT id FROM docs WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('Quảng nam') ORDER BY id;
