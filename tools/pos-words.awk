# A word<TAB>tag file (VLSP 2013 POS: a blank line after each sentence) as its sentences' words,
# a line each and separated by spaces, on standard output, and as word/TAG lines in the file
# gold (chu eval pos's gold). -v every=N keeps sentences N, 2N, ... (make model's held-out
# slice); without it, every sentence.
BEGIN { RS = ""; FS = "\n" }
!every || NR % every == 0 {
	for (i = 1; i <= NF; i++) {
		split($i, w, "\t")
		printf "%s%s", (i > 1 ? " " : ""), w[1]
		printf "%s%s/%s", (i > 1 ? " " : ""), w[1], w[2] >gold
	}
	print ""
	print "" >gold
}
