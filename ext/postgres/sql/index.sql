-- A GIN index on the vietnamese tsvector answers chu_tsquery.
CREATE TABLE articles (id int PRIMARY KEY, body text);
INSERT INTO articles
	SELECT i, CASE i % 4 WHEN 0 THEN 'Phụ nữ được bầu vào Quốc hội lần thứ ' || i
	                     WHEN 1 THEN 'Đà Nẵng đón khách du lịch ' || i
	                     WHEN 2 THEN 'Hoà bình và hợp tác ASEAN năm ' || i
	                     ELSE 'Thợ đá chở đá nặng ' || i END
	FROM generate_series(1, 2000) i;
CREATE INDEX articles_fts ON articles USING gin (to_tsvector('vietnamese', body));
ANALYZE articles;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM articles WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('phu nu');
SELECT count(*) FROM articles WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('phu nu');
SELECT count(*) FROM articles WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('da nang');
SELECT count(*) FROM articles WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('Đà Nẵng');
SELECT count(*) FROM articles WHERE to_tsvector('vietnamese', body) @@ chu_tsquery('"hoa binh" asean');
SELECT count(*) FROM articles WHERE to_tsvector('vietnamese', body) @@ websearch_to_tsquery('vietnamese', 'hòa bình');
RESET enable_seqscan;
-- a stored tsvector column
ALTER TABLE articles ADD COLUMN fts tsvector GENERATED ALWAYS AS (to_tsvector('vietnamese', body)) STORED;
CREATE INDEX articles_fts2 ON articles USING gin (fts);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM articles WHERE fts @@ chu_tsquery('hoa binh');
SELECT count(*) FROM articles WHERE fts @@ chu_tsquery('hoa binh');
RESET enable_seqscan;
