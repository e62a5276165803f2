/*
 * gazetteer.c — facts the entity tagger reads as features: Vietnam's provinces and large cities,
 * country and region names in Vietnamese, common surnames, and cue words that come before a name
 * (titles such as "Thứ trưởng", kinship terms such as "bà"), head an organization ("Bộ", "Ủy ban")
 * or a place ("tỉnh", "sông"). The lists are facts written down for chu; a word's class is looked
 * up by the hash of its lowercased, tone-normalized syllables (the segmenter's unit forms), so
 * "Thanh Hoá", "Thanh Hóa" and "THANH HÓA" are one entry.
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>

enum {
	CUE_PERSON_TITLE = 1, /* comes before a person's name */
	CUE_ORG_HEAD = 2,     /* the first word of an organization's name */
	CUE_PLACE_WORD = 4,   /* comes before a place name */
	CUE_PLACE = 8,        /* a place name: province, city, country, region */
	CUE_SURNAME = 16,     /* a common surname (the word's first syllable) */
	CUE_DISEASE = 64      /* a disease: not a feature, a limit on the labels (chu__tag_disease) */
};

static const char *const person_titles[] = {
    "ông", "bà", "anh", "chị", "cô", "chú", "bác", "cụ", "em", "ngài", "thầy", "đồng chí",
    "thứ trưởng", "bộ trưởng", "chủ tịch", "phó chủ tịch", "tổng thống", "phó tổng thống", "thủ tướng",
    "phó thủ tướng", "tổng bí thư", "bí thư", "phó bí thư", "đại sứ", "giám đốc", "phó giám đốc",
    "tổng giám đốc", "tiến sĩ", "tiến sỹ", "giáo sư", "phó giáo sư", "thạc sĩ", "thạc sỹ", "bác sĩ", "bác sỹ",
    "kỹ sư", "luật sư", "nhà văn", "nhà thơ", "nhà báo", "nghệ sĩ", "nghệ sỹ", "ca sĩ", "ca sỹ", "nhạc sĩ",
    "họa sĩ", "hoạ sĩ", "cầu thủ", "huấn luyện viên", "phóng viên", "đại tướng", "thượng tướng", "trung tướng",
    "thiếu tướng", "đại tá", "thượng tá", "trung tá", "thiếu tá", "đại úy", "đại uý", "chủ nhiệm", "trưởng ban",
    "phó trưởng ban", "trưởng phòng", "chánh văn phòng", "ngoại trưởng", "thượng nghị sĩ", "hạ nghị sĩ",
    "nghị sĩ", "đại biểu", "vua", "hoàng đế", "hoàng hậu", "công chúa", "hoàng tử", "thái tử", "tướng",
    "thủ lĩnh", "lãnh tụ", "chủ tọa", "chủ toạ", "phó chủ nhiệm", "tổng thư ký", "thư ký", "người phát ngôn",
    "phát ngôn viên", "đồng chủ tịch", "viện trưởng", "hiệu trưởng", "chủ nhiệm ủy ban", "thị trưởng", "trưởng",
    "cháu", "mẹ", "bố", "cha", "vợ", "chồng", "con", "bé", "lão", "thím", "dì", "mợ", "cậu", "chàng", "nàng",
    NULL};

static const char *const org_heads[] = {
    "bộ", "ủy ban", "uỷ ban", "công ty", "tập đoàn", "ngân hàng", "trường", "đại học", "học viện", "viện",
    "hội", "hiệp hội", "sở", "cục", "tổng cục", "ban", "đảng", "quốc hội", "chính phủ", "tòa án", "toà án",
    "viện kiểm sát", "báo", "đài", "bệnh viện", "câu lạc bộ", "liên đoàn", "liên hợp quốc", "tổ chức",
    "trung tâm", "văn phòng", "hãng", "tổng công ty", "quỹ", "nhà máy", "xí nghiệp", "hợp tác xã", "đoàn",
    "mặt trận", "công an", "quân đội", "quân khu", "sư đoàn", "trung đoàn", "tiểu đoàn", "lữ đoàn", "hạm đội",
    "liên minh", "hiệp hội", "nhà xuất bản", "thông tấn xã", "tạp chí", "đài truyền hình", "tỉnh ủy",
    "tỉnh uỷ", "thành ủy", "thành uỷ", "huyện ủy", "huyện uỷ", "hội đồng", "ủy ban nhân dân", "uỷ ban nhân dân",
    "hội đồng nhân dân", "bộ chính trị", "ban chấp hành", "trung ương", "câu lạc bộ", "nhóm", "khối",
    NULL};

static const char *const place_words[] = {
    "tỉnh", "thành phố", "tp", "huyện", "xã", "quận", "phường", "thị xã", "thị trấn", "thôn", "ấp", "bản",
    "làng", "xóm", "sông", "núi", "hồ", "đảo", "quần đảo", "biển", "vịnh", "đèo", "nước", "miền", "vùng",
    "châu", "thủ đô", "đường", "phố", "cầu", "chợ", "bang", "vùng biển", "bờ biển", "khu", "đồi", "cao nguyên",
    "đồng bằng", "tại", "ở", "đến", "từ", "về", "sang", NULL};

static const char *const places[] = {
    /* provinces and centrally governed cities (the 63 of 2008–2025), and cities often named */
    "hà nội", "hồ chí minh", "tp.hcm", "hải phòng", "đà nẵng", "cần thơ", "an giang", "bà rịa", "vũng tàu",
    "bắc giang", "bắc kạn", "bắc cạn", "bạc liêu", "bắc ninh", "bến tre", "bình định", "bình dương",
    "bình phước", "bình thuận", "cà mau", "cao bằng", "đắk lắk", "đắc lắc", "đắk nông", "điện biên",
    "đồng nai", "đồng tháp", "gia lai", "hà giang", "hà nam", "hà tĩnh", "hải dương", "hậu giang", "hòa bình",
    "hoà bình", "hưng yên", "khánh hòa", "khánh hoà", "kiên giang", "kon tum", "lai châu", "lâm đồng",
    "lạng sơn", "lào cai", "long an", "nam định", "nghệ an", "ninh bình", "ninh thuận", "phú thọ", "phú yên",
    "quảng bình", "quảng nam", "quảng ngãi", "quảng ninh", "quảng trị", "sóc trăng", "sơn la", "tây ninh",
    "thái bình", "thái nguyên", "thanh hóa", "thanh hoá", "thừa thiên huế", "thừa thiên", "huế", "tiền giang",
    "trà vinh", "tuyên quang", "vĩnh long", "vĩnh phúc", "yên bái", "sài gòn", "nha trang", "đà lạt", "hạ long",
    "vinh", "buôn ma thuột", "pleiku", "quy nhơn", "phan thiết", "mỹ tho", "biên hòa", "biên hoà", "thủ đức",
    "hội an", "sa pa", "phú quốc", "côn đảo", "hoàng sa", "trường sa", "tây nguyên", "nam bộ", "bắc bộ",
    "trung bộ", "tây bắc", "đông bắc", "đồng bằng sông cửu long", "cửu long", "mê kông", "mekong", "sông hồng",
    "việt nam",
    /* countries, regions and a few large foreign cities, in Vietnamese */
    "trung quốc", "nhật bản", "nhật", "hàn quốc", "triều tiên", "mỹ", "hoa kỳ", "nga", "pháp", "đức", "anh",
    "ý", "italy", "tây ban nha", "bồ đào nha", "hà lan", "bỉ", "thụy sĩ", "thuỵ sĩ", "thụy điển", "thuỵ điển",
    "na uy", "đan mạch", "phần lan", "ba lan", "séc", "hungary", "áo", "hy lạp", "thổ nhĩ kỳ", "ấn độ",
    "pakistan", "bangladesh", "lào", "campuchia", "thái lan", "myanmar", "malaysia", "singapore", "indonesia",
    "philippines", "brunei", "đông timor", "úc", "australia", "new zealand", "canada", "mexico", "brazil",
    "argentina", "chile", "cuba", "ai cập", "nam phi", "nigeria", "kenya", "iran", "iraq", "israel",
    "palestine", "ả rập xê út", "syria", "ukraine", "belarus", "mông cổ", "đài loan", "hồng kông", "hong kong",
    "ma cao", "afghanistan", "venezuela", "colombia", "peru", "algeria", "maroc", "ethiopia", "angola",
    "mozambique", "tanzania", "kazakhstan", "uzbekistan", "sri lanka", "nepal", "qatar", "kuwait", "jordan",
    "liban", "yemen", "libya", "tunisia", "sudan", "ireland", "iceland", "romania", "bulgaria", "serbia",
    "croatia", "slovakia", "slovenia", "estonia", "latvia", "litva", "liên xô", "châu âu", "châu á",
    "châu phi", "châu mỹ", "bắc mỹ", "nam mỹ", "mỹ latinh", "đông nam á", "trung đông", "bắc kinh", "thượng hải",
    "tokyo", "seoul", "bình nhưỡng", "moscow", "mát-xcơ-va", "washington", "new york", "paris", "london",
    "berlin", "bangkok", "viêng chăn", "phnôm pênh", "phnom penh", "kuala lumpur", "jakarta", "manila",
    "sydney", "geneva", "brussels", "biển đông", "thái bình dương", "đại tây dương", "ấn độ dương",
    "asean", "eu", NULL};

static const char *const surnames[] = {
    "nguyễn", "trần", "lê", "phạm", "hoàng", "huỳnh", "phan", "vũ", "võ", "đặng", "bùi", "đỗ", "hồ", "ngô",
    "dương", "lý", "đào", "đoàn", "vương", "trịnh", "trương", "lâm", "phùng", "mai", "tô", "hà", "tạ", "lưu",
    "đinh", "cao", "kiều", "chu", "thái", "lương", "quách", "tăng", "lại", "triệu", "khúc", "âu", "mạc",
    "văn", "thị", "diệp", "từ", "la", "thân", "nông", "giáp", "lã", "lò", "ninh", "khổng", "đàm", "doãn",
    "tôn", "hứa", "ông", "quan", "kim", "lục", "bạch", "tống", "mã", NULL};

/* Diseases and their agents, which news text names next to people and places ("đại dịch
 * COVID-19"); VLSP 2016 labels them O (HIV 30 times, SARS twice), and an entity never begins with
 * one, though it may go on with one ("Ủy ban quốc gia phòng chống AIDS"). */
static const char *const diseases[] = {
    "covid", "covid-19", "sars", "sars-cov-2", "mers", "mers-cov", "hiv", "aids", "hiv/aids", "ebola", "zika",
    "h5n1", "h1n1", "h7n9", "h5n6", NULL};

/* ---- the set ---- */

#define CUE_SLOTS 4096 /* a power of two, more than twice the entries */

static struct {
	uint64_t key[CUE_SLOTS]; /* hash | 1, 0 empty */
	uint8_t cls[CUE_SLOTS];
} cues;
static pthread_once_t cues_once = PTHREAD_ONCE_INIT;

static uint64_t phrase_hash(const char *p, chu__buf *scratch)
{
	uint64_t syl[8];
	size_t n = 0;
	while (*p && n < 8) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		if (e > p) {
			uint8_t sh;
			if (chu__seg_unit(p, (size_t)(e - p), &syl[n], &sh, scratch) < 0)
				return 0;
			n++;
		}
		p = e;
	}
	return n == 1 ? syl[0] : chu__seg_word_hash(syl, n);
}

static void add_list(const char *const *list, uint8_t cls, chu__buf *scratch)
{
	for (; *list; list++) {
		uint64_t h = phrase_hash(*list, scratch);
		if (!h)
			continue;
		uint64_t k = h | 1;
		size_t i = (size_t)(k >> 7) & (CUE_SLOTS - 1);
		while (cues.key[i] && cues.key[i] != k)
			i = (i + 1) & (CUE_SLOTS - 1);
		cues.key[i] = k;
		cues.cls[i] |= cls;
	}
}

/* The table is built once per process: its scratch memory comes from a fixed arena, never from
 * malloc, so a failed allocation cannot leave it short for the rest of the process. Each block
 * is a size header then its bytes; the arena is far larger than the longest entry needs. */
static struct {
	_Alignas(16) unsigned char mem[1 << 15];
	size_t used;
} arena;

static void *arena_malloc(void *ud, size_t n)
{
	(void)ud;
	size_t need = (n + 16 + 15) & ~(size_t)15;
	if (need > sizeof arena.mem - arena.used)
		return NULL;
	unsigned char *p = arena.mem + arena.used;
	memcpy(p, &n, sizeof n);
	arena.used += need;
	return p + 16;
}

static void *arena_realloc(void *ud, void *old, size_t n)
{
	void *p = arena_malloc(ud, n);
	if (p && old) {
		size_t was;
		memcpy(&was, (unsigned char *)old - 16, sizeof was);
		memcpy(p, old, was < n ? was : n);
	}
	return p;
}

static void arena_free(void *ud, void *p) { (void)ud, (void)p; }

static void build_cues(void)
{
	static const chu_allocator fixed = {arena_malloc, arena_realloc, arena_free, NULL};
	chu__buf scratch;
	chu__buf_init(&scratch, &fixed);
	add_list(person_titles, CUE_PERSON_TITLE, &scratch);
	add_list(org_heads, CUE_ORG_HEAD, &scratch);
	add_list(place_words, CUE_PLACE_WORD, &scratch);
	add_list(places, CUE_PLACE, &scratch);
	add_list(surnames, CUE_SURNAME << 3, &scratch); /* kept apart: surnames are matched on a first syllable */
	add_list(diseases, CUE_DISEASE, &scratch);
	chu__buf_free(&scratch);
}

static uint8_t lookup(uint64_t h)
{
	uint64_t k = h | 1;
	for (size_t i = (size_t)(k >> 7) & (CUE_SLOTS - 1);; i = (i + 1) & (CUE_SLOTS - 1)) {
		if (cues.key[i] == k)
			return cues.cls[i];
		if (!cues.key[i])
			return 0;
	}
}

void chu__tag_cues(const uint64_t *form, const uint64_t *first, size_t n, uint64_t *cue)
{
	pthread_once(&cues_once, build_cues);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = lookup(form[i]) & 0x0F;
		uint8_t s = lookup(first[i]);
		cue[i] = c | (uint64_t)(s >> 3 & CUE_SURNAME) | (uint64_t)(s & CUE_PLACE) << 2; /* a place's first syllable: 32 */
	}
}

bool chu__tag_disease(uint64_t form)
{
	pthread_once(&cues_once, build_cues);
	return lookup(form) & CUE_DISEASE;
}
