"""Held-out articles for the default model, written for these tests and kept out of seeds/.

Each article is a full news story of the kind greentag is meant for, with the tags a careful
editor would give it (``must``) and tags that would be plainly wrong (``must_not``). The
default model never sees these in training; tests/test_default.py checks it gets them right.
"""

from __future__ import annotations

from typing import NamedTuple


class Article(NamedTuple):
    name: str
    text: str
    must: frozenset[str]
    must_not: frozenset[str]


ARTICLES: list[Article] = [
    Article(
        "caspian-ferry-corridor",
        """Azerbaijan and Kazakhstan agree to double ferry capacity on the Trans-Caspian route
BAKU - The transport ministers of Azerbaijan and Kazakhstan agreed on Tuesday to double the number of
ro-ro ferries sailing between Alat and Aktau by 2028, as freight on the Trans-Caspian International
Transport Route keeps outgrowing the ports at either end of the sea.
Container volumes on the corridor reached roughly 62,000 TEU in the first nine months of the year,
up a quarter on the same period of 2025, according to figures presented at the meeting. Shippers
still complain about waiting times of five to eight days for a ferry slot at Aktau, and about
separate paperwork at each of the four borders between western China and Georgia's Black Sea ports.
The two governments signed a protocol on a single electronic consignment note and a joint timetable
for block trains that meet the ferries, which they said should cut door-to-door transit from China
to Europe to about 15 days. A new dry bulk berth and a container yard at Alat will be tendered
early next year.
"The Middle Corridor only works if the sea leg stops being the bottleneck," the Kazakh deputy
minister told reporters after the talks.""",
        frozenset({"transport_logistics"}),
        frozenset({"healthcare", "education", "tourism", "agriculture"}),
    ),
    Article(
        "uzbek-solar-tender",
        """Uzbekistan picks bidders for 1.2 GW of solar plants with battery storage
TASHKENT - Uzbekistan's energy ministry has named the winners of a tender for three solar
photovoltaic plants with a combined capacity of 1.2 gigawatts, each paired with lithium-ion battery
storage so that the plants can keep supplying the grid for four hours after sunset.
The projects in the Bukhara, Navoi and Kashkadarya regions will sell power to the state grid company
under 25-year purchase agreements at tariffs below 3.5 US cents per kilowatt-hour, officials said.
Construction is due to start in the spring, with the first units connected in late 2027.
Renewable sources supplied about 11% of the country's electricity last year. The government wants
that share to reach 40% by 2030, mainly to free natural gas for export and for its chemical industry,
and to ease the winter shortages that have left parts of the country without power.
Developers said the storage requirement added about a fifth to the cost of each project but made the
plants far easier for the grid operator to dispatch.""",
        frozenset({"energy", "green_technology"}),
        frozenset({"healthcare", "education", "tourism"}),
    ),
    Article(
        "vietnam-it-outsourcing",
        """Vietnamese software firms win more European contracts as costs in India rise
HANOI - Software outsourcing companies in Vietnam are signing a growing number of contracts with
European banks, insurers and carmakers, according to an industry survey released on Monday, as
clients look for engineers outside India and Eastern Europe.
Revenue from IT services sold abroad rose 18% last year to about 7.4 billion dollars, the survey
found, with Japan still the largest market but Germany, France and the Nordic countries growing
fastest. Most of the work is custom software development, testing, cloud migration and support for
legacy systems, delivered from offices in Hanoi, Da Nang and Ho Chi Minh City.
Executives said the main constraint was people: the country trains about 57,000 IT graduates a year,
not enough to meet demand, and wages for senior engineers have risen by double digits. Several firms
have opened training academies of their own and are recruiting in smaller cities.
The government wants digital services exports to become one of the pillars of the economy and is
negotiating data protection rules with the European Union to make cross-border work easier.""",
        frozenset({"trade_in_services", "digital_technology"}),
        frozenset({"agriculture", "tourism", "energy"}),
    ),
    Article(
        "ghana-cocoa-harvest",
        """Ghana cocoa harvest falls again as disease and illegal mining hit farms
ACCRA - Ghana expects to buy about 530,000 tonnes of cocoa beans this season, the industry regulator
said, the third poor crop in a row in the world's second-largest producer.
Swollen shoot virus has spread through older plantations in the Western North region, and farmers
say illegal gold miners have dug up land and polluted the streams used to water seedlings. Fertiliser
deliveries under the government's input programme also arrived late.
Farmers have been smuggling part of their beans to neighbouring countries where traders pay more,
reducing the volumes sold through the official marketing board and the export revenue it earns.
The regulator has raised the farm-gate price by 45% and promised to replant 100,000 hectares with
disease-resistant seedlings over the next three years.
Chocolate makers in Europe said the shortage would keep cocoa prices high well into next year.""",
        frozenset({"agriculture"}),
        frozenset({"digital_technology", "education", "tourism", "healthcare"}),
    ),
    Article(
        "almaty-hospital-ppp",
        """Almaty to build a 600-bed multi-profile hospital with a private partner
ALMATY - The city administration has signed a public-private partnership agreement for a new
600-bed hospital in the Alatau district, which will have cardiology, oncology and trauma centres
and an emergency department designed to handle up to 200 ambulance arrivals a day.
The private partner will finance and build the hospital and maintain the building and equipment for
20 years, while doctors and nurses will be employed by the city's health department. The project is
valued at 180 billion tenge.
Health officials said the new hospital was needed because the population of the southern districts
had grown by a third in a decade while the number of hospital beds had barely changed. Patients now
wait weeks for planned surgery, and ambulances often travel across the city to find a free bed.
A medical college next to the hospital will train nurses and paramedics.""",
        frozenset({"healthcare"}),
        frozenset({"agriculture", "transport_logistics", "tourism", "energy"}),
    ),
    Article(
        "georgia-tourism-record",
        """Georgia counts record number of foreign visitors as new flights open
TBILISI - Georgia welcomed 7.9 million international travellers in the first ten months of the
year, a record, the national tourism administration said, helped by new low-cost flights from the
Gulf, Israel and Central Europe to Kutaisi and Batumi.
Hotel occupancy in Batumi reached 85% in August, while mountain resorts such as Gudauri and Bakuriani
are reporting strong early bookings for the ski season. Wine tours in Kakheti and the old town of
Tbilisi remain the main attractions for first-time visitors.
Spending by foreign tourists rose 14% to about 4 billion dollars. Officials said the country would
keep its visa-free regime for citizens of more than 90 countries and would promote the Black Sea
coast to travellers from Kazakhstan and Uzbekistan.""",
        frozenset({"tourism"}),
        frozenset({"agriculture", "healthcare", "energy", "industry_manufacturing"}),
    ),
    Article(
        "eu-steel-safeguard",
        """EU tightens steel import quotas as cheap supply floods the market
BRUSSELS - The European Commission proposed on Wednesday to cut the volume of steel that can enter
the EU without duty by almost half and to raise the tariff on imports above the quotas to 50%,
saying a surge of cheap metal from Asia was threatening mills across the bloc.
Imports of hot-rolled coil, coated sheet and rebar have risen sharply since the United States raised
its own tariffs, diverting supply to Europe. European steelmakers have cut output and idled blast
furnaces in Germany, Italy and Poland, and unions warn that thousands of jobs are at risk.
Exporters in Turkey, India and South Korea said the measure would break World Trade Organization
rules and hinted at retaliation. The proposal needs the approval of member states and the European
Parliament.""",
        frozenset({"trade_in_goods", "industry_manufacturing"}),
        frozenset({"healthcare", "education", "tourism", "agriculture"}),
    ),
    Article(
        "kyrgyz-glacier-water",
        """Central Asian states urged to share data as Tian Shan glaciers shrink
BISHKEK - Glaciers in the Tian Shan mountains have lost about a quarter of their area since the
1960s, and the retreat is speeding up, scientists told a regional water conference in Bishkek on
Thursday.
Meltwater from the glaciers feeds the Syr Darya and the rivers of the Fergana valley, on which
millions of people depend for drinking water and irrigation. Researchers warned that summer flows
could fall sharply after 2050, once the glaciers are too small to compensate for hotter, drier years.
Delegates from Kyrgyzstan, Kazakhstan, Tajikistan and Uzbekistan agreed to set up a joint network of
monitoring stations and to exchange data on river flows and snow cover in real time. Environmental
groups said the region also needed to protect mountain wetlands and to cut dust from the dried-up
bed of the Aral Sea, which darkens the ice and makes it melt faster.""",
        frozenset({"environment"}),
        frozenset({"tourism", "digital_technology", "industry_manufacturing"}),
    ),
    Article(
        "abu-dhabi-ai-university",
        """Abu Dhabi university opens AI research centre with scholarships for Central Asian students
ABU DHABI - An Abu Dhabi university dedicated to artificial intelligence opened a new research centre
on Monday and announced 150 fully funded master's and doctoral scholarships for students from Central
Asia and the Caucasus.
The centre will work on large language models for under-resourced languages, including Kazakh, Uzbek
and Azerbaijani, and on machine learning for climate and health data. It will host visiting
researchers from partner universities in Astana, Tashkent and Baku.
University officials said graduates from the region were already among the strongest applicants and
that the scholarships would cover tuition, housing and a monthly stipend. Students will be able to
spend a semester at partner universities in Europe and the United States.""",
        frozenset({"education", "digital_technology"}),
        frozenset({"agriculture", "trade_in_goods", "energy", "transport_logistics"}),
    ),
    Article(
        "football-derby",
        """Late penalty settles a bad-tempered capital derby
The home side needed a penalty in the 89th minute to beat their neighbours 2-1 on Saturday, after a
match with nine yellow cards and a red for the visiting captain.
The visitors had taken the lead through a header from a corner before the break, but the hosts
equalised soon after the restart when their winger curled a shot into the far corner. The winner came
after a clumsy challenge in the box, and the striker sent the goalkeeper the wrong way.
The result lifts the club to third in the table, two points behind the leaders, with a cup tie
against second-division opposition next on the schedule.""",
        frozenset(),
        frozenset(
            {
                "green_technology",
                "transport_logistics",
                "trade_in_services",
                "trade_in_goods",
                "investment_finance",
                "energy",
                "digital_technology",
                "education",
                "healthcare",
                "agriculture",
                "environment",
                "diplomacy_cooperation",
                "industry_manufacturing",
            }
        ),
    ),
    Article(
        "china-central-asia-summit",
        """China and Central Asian leaders sign deals on rail, green energy and trade at Astana summit
ASTANA - The leaders of China and the five Central Asian states signed a joint declaration and more
than 50 cooperation agreements at their summit in Astana on Friday, covering railways, renewable
energy, trade, agriculture and education.
The presidents pledged to speed up construction of the China-Kyrgyzstan-Uzbekistan railway and to
raise the capacity of border crossings, where trucks still queue for days. China will help build
wind and solar plants in the region and plants producing components for them, and the sides agreed
to expand exports of Central Asian farm produce to Chinese markets through green corridors at customs.
Trade between China and the region exceeded 90 billion dollars last year, and the leaders set a target
of doubling it by 2030. Beijing also announced 3,000 government scholarships for students from the
region and the opening of new branches of Chinese universities.""",
        frozenset({"diplomacy_cooperation", "transport_logistics", "trade_in_goods"}),
        frozenset({"healthcare", "tourism"}),
    ),
    Article(
        "nigeria-fintech-funding",
        """Nigerian payments start-up raises $110 million as digital banking spreads
LAGOS - A Lagos-based payments company said on Wednesday it had raised 110 million dollars from
international venture funds, one of the largest rounds for an African fintech firm this year.
The company processes card and mobile transfers for about 400,000 small merchants and plans to use the
money to expand into Kenya and Egypt and to apply for a banking licence. Its app lets traders accept
payments by QR code and take small loans based on their sales history.
Investors have become more cautious about African start-ups since 2023, but payments businesses with
steady revenue are still attracting capital, analysts said. The central bank has encouraged cashless
payments and licensed several new digital banks.""",
        frozenset({"investment_finance", "digital_technology"}),
        frozenset({"agriculture", "healthcare", "tourism", "energy"}),
    ),
    Article(
        "mangystau-wind-ru",
        """Ветряные электростанции на Мангышлаке начали питать энергосистему запада
АКТАУ. Первые ветряные электростанции Мангистауской области подключены к сетям: по данным областного
управления энергетики, они уже дают около десятой части электричества, которое потребляет регион.
Запад страны до сих пор не связан с единой энергосистемой, и местные предприятия зависели от газовых
станций, работающих на попутном газе. Теперь в ветреные месяцы часть газа удастся сберечь.
Энергетики признают, что ветряки дают неровную выработку, поэтому к концу года рядом установят
накопители, а диспетчерский центр научится прогнозировать силу ветра на сутки вперед.""",
        frozenset({"energy"}),
        frozenset({"healthcare", "education", "tourism", "agriculture"}),
    ),
]
