-- chu.model: word keys from a segmentation model, colocated with a word's first syllable.
\getenv abs_srcdir PG_ABS_SRCDIR
\set seg :abs_srcdir '/../../models/seg.chm'
SELECT to_tsvector('vietnamese', 'Phụ nữ bình đẳng');
SHOW chu.model;
SET chu.model = :'seg';
SELECT to_tsvector('vietnamese', 'Phụ nữ bình đẳng');
-- a query parsed with the model ORs the word key with its first syllable: the same matches
SELECT phraseto_tsquery('vietnamese', 'phụ nữ'), websearch_to_tsquery('vietnamese', 'phụ nữ');
SELECT to_tsvector('vietnamese', 'Phụ nữ bình đẳng') @@ chu_tsquery('"phu nu"') AS phrase;
SELECT ts_headline('vietnamese', 'Phụ nữ bình đẳng', chu_tsquery('nu binh'), 'HighlightAll=true');
RESET chu.model;
SELECT to_tsvector('vietnamese', 'Phụ nữ bình đẳng');
-- a file that is not a segmentation model is an error when it is used
SET chu.model = '/nonexistent/seg.chm';
SELECT to_tsvector('vietnamese', 'a');
SET chu.model = '/dev/null';
SELECT to_tsvector('vietnamese', 'a');
RESET chu.model;
SELECT to_tsvector('vietnamese', 'a');
-- reading a file on the server is for superusers (PGC_SUSET)
CREATE ROLE chu_regress_user;
SET ROLE chu_regress_user;
SET chu.model = '/dev/null';
RESET ROLE;
DROP ROLE chu_regress_user;
