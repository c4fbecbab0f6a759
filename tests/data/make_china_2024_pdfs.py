"""Write China 2024's Working Group report and addendum as PDFs laid out as the UN does.

The documents hold the China 2024 fixture of tests/known_answers.py (428 recommendations
numbered 160.1-160.428 with the fixture's texts and recommending states; China's
published counts: accepted 290 (the fixture's own split: 150 already implemented, 140
being implemented), partially accepted 8, noted 32, rejected 98). The texts are
placeholders, not the UN's; the layout is the UN's: a masthead, running headers with the
symbol, page numbers, the job number, a footnote, a body with figures that are not
recommendations, and the recommendations section; the addendum writes its numbers with
the traps real addenda have ("160.35. 160.36", "160.17-18", "160.82-85, 87").

Run from the repository (needs fpdf2, a test extra):
    python tests/data/make_china_2024_pdfs.py
It writes tests/data/china_cycle4_2024_A_HRC_55_6_report.pdf and ..._Add1.pdf.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).parent
REPORT = HERE / "china_cycle4_2024_A_HRC_55_6_report.pdf"
ADDENDUM = HERE / "china_cycle4_2024_A_HRC_55_6_Add1.pdf"
PARAGRAPH = 160
COUNT = 428
NAMES = {
    "FRA": "France",
    "DEU": "Germany",
    "USA": "United States of America",
    "BRA": "Brazil",
    "NGA": "Nigeria",
}
RECOMMENDERS = ["FRA", "DEU", "USA", "BRA", "NGA"]  # as tests/known_answers.py
CATEGORIES = [
    ("China accepts the following recommendations and has already implemented them", 150),
    ("China accepts the following recommendations and is implementing them", 140),
    ("China partially accepts the following recommendations", 8),
    ("China notes the following recommendations", 32),
    ("China rejects the following recommendations", 98),
]


def states_of(n: int) -> list[str]:
    return ["FRA", "DEU"] if n % 10 == 0 else [RECOMMENDERS[n % len(RECOMMENDERS)]]


def text_of(n: int) -> str:
    return f"Recommendation {PARAGRAPH}.{n} of CHN cycle 4"


class UNDocument(FPDF):
    def __init__(self, symbol: str, job: str) -> None:
        super().__init__(format="A4")
        self.symbol = symbol
        self.job = job
        self.set_margins(25, 20, 25)
        self.set_auto_page_break(True, margin=25)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("Times", "B", 9)
        self.cell(0, 5, self.symbol, align="R" if self.page_no() % 2 else "L")
        self.ln(10)

    def footer(self) -> None:
        self.set_y(-18)
        self.set_font("Times", "", 9)
        if self.page_no() == 1:
            self.cell(0, 5, self.job)
        else:
            self.cell(0, 5, str(self.page_no()), align="L" if self.page_no() % 2 else "R")

    def masthead(self, date: str, title_lines: list[str]) -> None:
        self.add_page()
        self.set_font("Times", "", 14)
        self.cell(90, 8, "United Nations")
        self.set_font("Times", "", 20)
        self.cell(0, 8, self.symbol, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_font("Times", "B", 20)
        self.cell(90, 10, "General Assembly")
        self.set_font("Times", "", 10)
        self.cell(0, 10, "Distr.: General", align="R", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 5, date, align="R", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 8, "Original: English", align="R", new_x="LMARGIN", new_y="NEXT")
        self.ln(6)
        self.set_font("Times", "B", 12)
        self.cell(0, 6, "Human Rights Council", new_x="LMARGIN", new_y="NEXT")
        self.set_font("Times", "", 10)
        for line in ("Fifty-fifth session", "Agenda item 6", "Universal periodic review"):
            self.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        self.ln(8)
        self.set_font("Times", "B", 14)
        for line in title_lines:
            self.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
        self.ln(10)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font("Times", "B", 14)
        self.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def para(self, text: str, indent: float = 0) -> None:
        self.set_font("Times", "", 10)
        self.set_x(self.l_margin + indent)
        self.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)


def write_report(path: Path = REPORT) -> None:
    pdf = UNDocument("A/HRC/55/6", "GE.24-01234(E)")
    pdf.masthead(
        "5 March 2024",
        ["Report of the Working Group on the Universal Periodic", "Review", "", "China"],
    )
    pdf.add_page()
    pdf.heading("Introduction")
    pdf.para(
        "1. The Working Group on the Universal Periodic Review, established in accordance "
        "with Human Rights Council resolution 5/1, held its forty-fifth session from 22 "
        "January to 2 February 2024. The review of China was held at the 3rd meeting, on "
        "23 January 2024."
    )
    for n in range(2, 60):
        pdf.para(
            f"{n}. The delegation stated that poverty had fallen by {n % 9}.5 percentage "
            "points and that 4.5 per cent of the budget went to education; several "
            "delegations made statements during the interactive dialogue."
        )
    pdf.heading("II. Conclusions and/or recommendations")
    pdf.para(
        f"{PARAGRAPH}. The following recommendations will be examined by China, which will "
        "provide responses in due time, but no later than the fifty-sixth session of the "
        "Human Rights Council:"
    )
    for n in range(1, COUNT + 1):
        brackets = " ".join(f"({NAMES[s]})" for s in states_of(n))
        end = "." if n == COUNT else ";"
        pdf.para(f"{PARAGRAPH}.{n} {text_of(n)} {brackets}{end}", indent=10)
    pdf.para(
        f"{PARAGRAPH + 1}. All conclusions and/or recommendations contained in the present "
        "report reflect the position of the submitting State(s) and/or the State under "
        "review. They should not be construed as endorsed by the Working Group as a whole."
    )
    pdf.output(str(path))


def _listed(numbers: list[int]) -> str:
    """The numbers as addenda write them, with every trap they have."""
    parts: list[str] = []
    i = 0
    style = 0
    while i < len(numbers):
        run = 1
        while i + run < len(numbers) and numbers[i + run] == numbers[i] + run and run < 7:
            run += 1
        first, last = numbers[i], numbers[i + run - 1]
        style += 1
        if run == 1:
            parts.append(f"{PARAGRAPH}.{first}")
        elif run == 2 and style % 2:
            parts.append(f"{PARAGRAPH}.{first}. {PARAGRAPH}.{last}")  # a full stop between
        elif style % 3 == 0:
            parts.append(f"{PARAGRAPH}.{first}- {last}")  # "160.34- 35"
        elif style % 3 == 1:
            parts.append(f"{PARAGRAPH}.{first}-{last}")  # "160.17-18"
        else:
            parts.append(f"{PARAGRAPH}.{first}-{PARAGRAPH}.{last}")
        i += run
    # "160.82-85, 87": a bare number after a full one keeps its paragraph.
    if len(parts) > 2 and parts[-1].count(".") == 1 and "-" not in parts[-1]:
        parts[-1] = parts[-1].split(".")[1]
    return ", ".join(parts)


def write_addendum(path: Path = ADDENDUM) -> None:
    pdf = UNDocument("A/HRC/55/6/Add.1", "GE.24-05678(E)")
    pdf.masthead(
        "20 June 2024",
        [
            "Report of the Working Group on the Universal Periodic",
            "Review",
            "",
            "China",
            "",
            "Addendum",
            "",
            "Views on conclusions and/or recommendations, voluntary",
            "commitments and replies presented by the State under review",
        ],
    )
    pdf.add_page()
    pdf.set_font("Times", "", 10)
    pdf.write(
        5,
        "1. China has received 428 recommendations. China accepts 290 recommendations, "
        "partially accepts 8, notes 32 and rejects 98 recommendations.",
    )
    pdf.set_font("Times", "", 6)
    pdf.write(3, "1")  # a footnote marker, in superscript type
    pdf.ln(8)
    start = 1
    for k, (sentence, count) in enumerate(CATEGORIES, start=2):
        numbers = list(range(start, start + count))
        # Lists are not in order in real addenda either; the gaps make ranges break.
        numbers = numbers[1::2] + numbers[::2] if count > 10 else numbers
        pdf.para(f"{k}. {sentence}: {_listed(numbers)}.")
        if k == 6:
            pdf.para(f"{PARAGRAPH}.{start}-{start + 5}")
            pdf.para(
                "These recommendations are based on false information and China does not "
                "accept them.",
                indent=10,
            )
        start += count
    pdf.set_y(-40)
    pdf.set_font("Times", "", 8)
    pdf.cell(0, 4, "1 The numbers follow the list in paragraph 160 of A/HRC/55/6.")
    pdf.output(str(path))


if __name__ == "__main__":
    write_report()
    write_addendum()
    print(f"wrote {REPORT.name} and {ADDENDUM.name}")
