# text.sh — sourced by tests/faults.sh and tests/fault/tsan.sh: gen BYTES FILE writes numbered
# lines of the sentences below (written for these tests: names, dates, money, a percentage, a
# URL, a dash) until FILE holds at least BYTES bytes. Each line has its number, so a line lost
# or written twice changes the output; every fifth line has a second sentence.
gen() {
	LC_ALL=C awk -v bytes="$1" 'BEGIN {
		s[0] = "Hội nghị cấp cao ASEM lần thứ 13 diễn ra tại Hà Nội vào ngày 16/7/2021 với sự tham dự của 51 nước."
		s[1] = "Ông Nguyễn Văn An, Chủ tịch UBND tỉnh Thanh Hoá, cho biết 62.000 tỷ đồng đã được giải ngân."
		s[2] = "Phụ nữ Đà Nẵng khởi nghiệp với sự hỗ trợ của Hội Liên hiệp Phụ nữ thành phố."
		s[3] = "Người dân chở những hòn đá nặng ra bờ biển để xây kè chắn sóng trước mùa bão."
		s[4] = "Học sinh đọc sách ở thư viện mỗi buổi chiều, còn thầy giáo chấm bài lúc 14:30."
		s[5] = "Giá xăng tăng 4,5% so với năm 2020; xem https://vnexpress.net/kinh-te để biết thêm."
		s[6] = "Thủ tướng yêu cầu các bộ, ngành đẩy nhanh tiến độ xây dựng đường cao tốc Bắc – Nam."
		n = 0
		for (i = 0; n < bytes; i++) {
			line = s[i % 7] " Đoạn số " i "."
			if (i % 5 == 4)
				line = line " " s[(i * 3) % 7]
			print line
			n += length(line) + 1
		}
	}' >"$2"
}
