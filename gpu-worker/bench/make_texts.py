"""Writes gpu-worker/bench/texts.jsonl: the fixed 1,000 texts the GPU check embeds.

Mixed language and length, built deterministically (a seeded random.Random, nothing
else) from the sentence pools below, so the file is reproducible byte for byte:

  python3 gpu-worker/bench/make_texts.py            # rewrites texts.jsonl beside it
  python3 gpu-worker/bench/make_texts.py --out F    # writes F instead

Each line is {"id": int, "lang": str, "text": str}. Languages (count): en 200, de 100,
fr 100, es 100, zh 100, ja 100, ru 100, ar 100, code 100. Lengths: a quarter short
(one clause or sentence), over a third a paragraph, the rest long, up to about 1,000
Qwen3 tokens. The sentences are written for this file; they are plausible prose, not
quotations. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SEED = 20261129
COUNTS = {
    "en": 200,
    "de": 100,
    "fr": 100,
    "es": 100,
    "zh": 100,
    "ja": 100,
    "ru": 100,
    "ar": 100,
    "code": 100,
}

SENTENCES: dict[str, list[str]] = {
    "en": [
        "The quarterly report shows revenue growing faster than operating costs.",
        "Please restart the router before calling the support line again.",
        "Our team moved the weekly planning meeting to Thursday afternoon.",
        "The museum reopens in March with a new exhibition on early aviation.",
        "Rainfall in the northern valley was twice the seasonal average.",
        "She replaced the worn brake pads and tested the car on a steep hill.",
        "Customers who ordered before noon receive their parcels the next day.",
        "The library extended its opening hours during the examination period.",
        "A short walk along the river leads to the old stone bridge.",
        "Engineers traced the outage to a misconfigured load balancer.",
        "The recipe calls for two cups of flour and a pinch of salt.",
        "Vaccination rates rose steadily after the clinic added evening slots.",
        "The contract renews automatically unless either party objects in writing.",
        "He learned to play the cello at the age of forty-two.",
    ],
    "de": [
        "Der Zug nach München hat heute etwa zwanzig Minuten Verspätung.",
        "Bitte senden Sie uns die unterschriebenen Unterlagen bis Freitag zurück.",
        "Die Stadtbibliothek bietet ab Oktober kostenlose Sprachkurse an.",
        "Nach dem Regen war der Waldweg rutschig und voller Pfützen.",
        "Unsere Firma sucht erfahrene Entwicklerinnen für das neue Projekt.",
        "Die Heizkosten sind im letzten Winter deutlich gestiegen.",
        "Im Garten blühen jetzt die ersten Tulpen und Narzissen.",
        "Der Vertrag verlängert sich automatisch um ein weiteres Jahr.",
        "Die Brücke über den Fluss wird im Sommer vollständig saniert.",
        "Er hat die Prüfung im zweiten Versuch mit Auszeichnung bestanden.",
        "Für Rückfragen steht Ihnen unser Kundendienst gern zur Verfügung.",
        "Das Museum zeigt Gemälde aus dem frühen zwanzigsten Jahrhundert.",
    ],
    "fr": [
        "Le train pour Lyon partira avec un retard d'environ quinze minutes.",
        "Merci de nous renvoyer le formulaire signé avant la fin du mois.",
        "La boulangerie du quartier ferme exceptionnellement ce lundi.",
        "Les températures resteront douces jusqu'à la fin de la semaine.",
        "Notre équipe a présenté les résultats du projet au comité de direction.",
        "Le musée propose des visites guidées en plusieurs langues.",
        "Après la pluie, les sentiers de montagne sont devenus glissants.",
        "Elle a obtenu son diplôme d'ingénieure avec mention très bien.",
        "Le contrat est reconduit tacitement chaque année.",
        "Les travaux de rénovation du pont commenceront en juillet.",
        "Il faut compter deux heures de route pour rejoindre la côte.",
        "La mairie a installé de nouveaux bancs dans le parc.",
    ],
    "es": [
        "El vuelo a Madrid saldrá con un retraso de media hora.",
        "Por favor, envíenos los documentos firmados antes del viernes.",
        "La biblioteca municipal amplía su horario durante los exámenes.",
        "Las lluvias de la semana pasada llenaron los embalses del norte.",
        "Nuestro equipo presentó el nuevo producto en la feria de Valencia.",
        "El museo ofrece visitas guiadas gratuitas los domingos por la mañana.",
        "Después de la tormenta, varias calles quedaron sin electricidad.",
        "Ella aprendió a programar mientras estudiaba biología.",
        "El contrato se renueva automáticamente cada doce meses.",
        "La receta lleva tomates maduros, ajo y un chorrito de aceite.",
        "Los precios de la vivienda subieron en casi todas las ciudades.",
        "El puente antiguo será restaurado durante el verano.",
    ],
    "zh": [
        "今天下午的会议改到三点在二号会议室举行。",
        "请在本周五之前把签好字的合同寄回给我们。",
        "这家图书馆在考试期间延长了开放时间。",
        "昨晚的大雨让城市的几条主要道路积水严重。",
        "我们的团队正在开发一个新的数据分析平台。",
        "博物馆下个月将推出一个关于古代丝绸之路的展览。",
        "她每天早上骑自行车去公司上班。",
        "这份报告显示今年的销售额比去年增长了百分之十二。",
        "合同到期后如果双方没有异议将自动续签一年。",
        "周末我们打算去郊外的山上徒步。",
        "新开的餐厅主打四川菜，味道很地道。",
        "工程师们发现故障是由负载均衡器的配置错误引起的。",
    ],
    "ja": [
        "明日の会議は午後二時から第三会議室で行います。",
        "署名済みの書類を金曜日までに返送してください。",
        "図書館は試験期間中、開館時間を延長しています。",
        "昨夜の大雨で駅前の道路が一部冠水しました。",
        "私たちのチームは新しい検索システムを開発しています。",
        "美術館では来月から印象派の特別展が始まります。",
        "彼女は毎朝電車で一時間かけて通勤しています。",
        "今年の売上は昨年と比べて一割ほど増えました。",
        "契約は特に申し出がない限り自動的に更新されます。",
        "週末は家族と一緒に海辺の町へ出かける予定です。",
        "新しいパン屋の食パンはとても柔らかくて人気があります。",
        "障害の原因は設定ファイルの記述ミスでした。",
    ],
    "ru": [
        "Поезд до Санкт-Петербурга отправится с опозданием на двадцать минут.",
        "Пожалуйста, пришлите подписанные документы до пятницы.",
        "Городская библиотека продлила часы работы на время сессии.",
        "После сильного дождя лесная тропа стала скользкой.",
        "Наша команда разрабатывает новую систему поиска документов.",
        "Музей открывает выставку, посвящённую истории авиации.",
        "Она каждый день ездит на работу на велосипеде.",
        "Выручка компании за квартал выросла на двенадцать процентов.",
        "Договор продлевается автоматически, если стороны не возражают.",
        "Старый мост через реку отремонтируют этим летом.",
        "В рецепте нужны два стакана муки и щепотка соли.",
        "Инженеры выяснили, что сбой вызвала ошибка в конфигурации.",
    ],
    "ar": [
        "سيغادر القطار المتجه إلى القاهرة متأخرا نحو عشرين دقيقة.",
        "يرجى إرسال المستندات الموقعة قبل يوم الجمعة.",
        "مددت المكتبة العامة ساعات العمل خلال فترة الامتحانات.",
        "تسببت الأمطار الغزيرة في إغلاق عدة طرق رئيسية.",
        "يعمل فريقنا على تطوير منصة جديدة لتحليل البيانات.",
        "يفتتح المتحف معرضا جديدا عن تاريخ الملاحة.",
        "تذهب إلى عملها كل صباح بالدراجة الهوائية.",
        "ارتفعت مبيعات الشركة بنسبة اثني عشر بالمئة هذا العام.",
        "يتجدد العقد تلقائيا ما لم يعترض أحد الطرفين كتابة.",
        "سيتم ترميم الجسر القديم خلال فصل الصيف.",
        "تحتاج الوصفة إلى كوبين من الدقيق ورشة من الملح.",
        "اكتشف المهندسون أن العطل نتج عن خطأ في الإعدادات.",
    ],
}

CODE_SNIPPETS: list[str] = [
    "def mean(values):\n    return sum(values) / len(values) if values else 0.0\n",
    "for (const item of items) {\n  if (item.done) continue;\n  queue.push(item.id);\n}\n",
    "SELECT customer_id, SUM(amount) AS total\nFROM orders\nWHERE created_at >= '2026-01-01'\nGROUP BY customer_id;\n",
    "fn parse_port(s: &str) -> Result<u16, std::num::ParseIntError> {\n    s.trim().parse::<u16>()\n}\n",
    "const retry = async (fn, n = 3) => {\n  try { return await fn(); }\n  catch (e) { if (n <= 1) throw e; return retry(fn, n - 1); }\n};\n",
    "class Cache:\n    def __init__(self, size):\n        self.size = size\n        self.items = {}\n",
    "func Sum(xs []int) int {\n\ttotal := 0\n\tfor _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total\n}\n",
    '#!/usr/bin/env bash\nset -euo pipefail\nfor f in *.log; do gzip "$f"; done\n',
    "public int Clamp(int v, int lo, int hi) => Math.Max(lo, Math.Min(hi, v));\n",
    '<ul class="menu">\n  <li><a href="/docs">Docs</a></li>\n  <li><a href="/blog">Blog</a></li>\n</ul>\n',
    'with open(path, encoding="utf-8") as f:\n    rows = [line.split(",") for line in f]\n',
    'export function slugify(s: string): string {\n  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-");\n}\n',
]

# Length classes: (share of texts, min units, max units). A unit is a sentence (or a
# code snippet); the longest class reaches roughly 1,000 Qwen3 tokens.
LENGTHS = [(0.25, 1, 1), (0.40, 2, 8), (0.25, 9, 30), (0.10, 31, 60)]


def short_clause(rng: random.Random, sentence: str) -> str:
    """A few words from a sentence: the shortest texts (CJK by characters)."""
    if " " in sentence:
        words = sentence.split()
        return " ".join(words[: rng.randint(2, max(2, min(6, len(words))))])
    return sentence[: rng.randint(4, 10)]


def make_text(rng: random.Random, lang: str, units: int, tiny: bool) -> str:
    """One text of `units` sentences (or snippets), or a few words when `tiny`."""
    pool = CODE_SNIPPETS if lang == "code" else SENTENCES[lang]
    picked = [rng.choice(pool) for _ in range(units)]
    if tiny and lang != "code":
        return short_clause(rng, picked[0])
    joiner = "\n" if lang == "code" else ("" if lang in ("zh", "ja") else " ")
    # A number per text keeps texts distinct without changing their language.
    return (
        f"{joiner.join(picked).strip()} ({rng.randint(1, 9999)})"
        if lang != "code"
        else (f"# snippet {rng.randint(1, 9999)}\n" + joiner.join(picked))
    )


def build() -> list[dict[str, object]]:
    """The 1,000 rows, shuffled, with ids in file order."""
    rng = random.Random(SEED)
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for lang, count in COUNTS.items():
        for i in range(count):
            share_end, chosen = 0.0, LENGTHS[-1]
            position = (i + 0.5) / count
            for length in LENGTHS:
                share_end += length[0]
                if position < share_end:
                    chosen = length
                    break
            text = ""
            while text == "" or text in seen:  # every text distinct: no free cache hits
                units = rng.randint(chosen[1], chosen[2])
                if lang == "code":  # a snippet is about twice a sentence's tokens
                    units = (units + 1) // 2
                tiny = chosen is LENGTHS[0] and rng.random() < 0.5
                text = make_text(rng, lang, units, tiny)
            seen.add(text)
            rows.append({"lang": lang, "text": text})
    rng.shuffle(rows)
    return [{"id": i, **row} for i, row in enumerate(rows)]


def main() -> None:
    """Writes the rows as JSONL (UTF-8, one object a line)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(Path(__file__).with_name("texts.jsonl")))
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        for row in build():
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
