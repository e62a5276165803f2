-- ts_headline gives the text back byte for byte, marks and punctuation as written.
SELECT ts_headline('vietnamese', 'Đoàn đại biểu Phụ nữ thăm Đà Nẵng và bàn về hoà bình.', chu_tsquery('da nang'));
SELECT ts_headline('vietnamese', 'Tp.HCM: 62.000 tỷ đồng, HÒA BÌNH!', chu_tsquery('hoa binh 62'), 'HighlightAll=true');
SELECT ts_headline('vietnamese', 'Bàn về hoà bình.', websearch_to_tsquery('vietnamese', '"hòa bình"'), 'StartSel=[, StopSel=]');
-- combining marks, tabs and line breaks come back as they were
SELECT ts_headline('vietnamese', E'Vie\u0302\u0323t\tNam\nhoà  bình', chu_tsquery('viet'), 'HighlightAll=true')
	= E'<b>Vie\u0302\u0323t</b>\tNam\nhoà  bình' AS exact;
-- a long stretch of punctuation and a unit too long for a lexeme are kept in the text
SELECT length(ts_headline('vietnamese', 'Hoà' || repeat(' .', 3000) || ' bình ' || repeat('x', 3000),
	chu_tsquery('hoa'), 'HighlightAll=true')) = length('Hoà' || repeat(' .', 3000) || ' bình ' || repeat('x', 3000)) + 7 AS whole;
SELECT to_tsvector('vietnamese', 'Hoà ' || repeat('x', 3000) || ' bình');
-- the default fragment
SELECT ts_headline('vietnamese', 'Thủ tướng Chính phủ đã ký quyết định phê duyệt đề án phát triển nông nghiệp '
	'công nghệ cao tại Đà Nẵng giai đoạn 2021-2025, đưa hoà bình và thịnh vượng đến với người dân.',
	chu_tsquery('nong nghiep'), 'MaxWords=8, MinWords=4');
SELECT ts_headline('vietnamese', '', chu_tsquery('hoa'));
