"""A tiny labeled corpus written for the tests (four topics, some documents with two)."""

from __future__ import annotations

# Four topics, some documents carrying two. Written for the tests; short on
# purpose so that training takes a fraction of a second.
CORPUS: list[tuple[str, list[str]]] = [
    ("The wind farm added forty turbines and now feeds the regional grid.", ["energy"]),
    ("A new gas pipeline will carry fuel from the northern fields to the coast.", ["energy"]),
    ("Electricity prices rose after the coal plant closed for repairs.", ["energy"]),
    ("Solar panels on factory roofs cut the power bill of the plant by a third.", ["energy"]),
    ("The oil refinery restarted after a fire and raised its output of diesel.", ["energy"]),
    ("Nuclear reactor maintenance reduced power generation this winter.", ["energy"]),
    ("The utility signed a contract to buy hydro power from the mountain dam.", ["energy"]),
    ("Grid operators warned of blackouts as demand for electricity peaked.", ["energy"]),
    ("Freight trains now cross the border in two days instead of five.", ["transport"]),
    ("The port opened a new container terminal for larger ships.", ["transport"]),
    ("A metro line linking the airport and the city centre opens next month.", ["transport"]),
    ("Truck drivers waited at the border crossing for three days.", ["transport"]),
    ("The airline added cargo flights to carry parcels to Europe.", ["transport"]),
    ("Railway operators ordered new locomotives for the freight corridor.", ["transport"]),
    ("Shipping rates fell as more vessels returned to the canal route.", ["transport"]),
    ("A logistics hub near the highway will store goods for retailers.", ["transport"]),
    ("The hospital hired forty nurses and opened a new emergency ward.", ["health"]),
    ("Doctors reported fewer flu cases after the vaccination campaign.", ["health"]),
    ("The ministry approved a new medicine for children with asthma.", ["health"]),
    ("Rural clinics received ambulances and equipment for patients.", ["health"]),
    ("An outbreak of measles led the health agency to vaccinate pupils.", ["health"]),
    ("Health insurance now covers dental care for pensioners.", ["health"]),
    ("Surgeons at the clinic performed the first heart transplant in the region.", ["health"]),
    ("Pharmacies ran short of antibiotics during the winter epidemic.", ["health"]),
    ("The central bank raised its key interest rate to fight inflation.", ["finance"]),
    ("Investors bought the government bonds as yields climbed.", ["finance"]),
    ("The stock exchange listed shares of the telecom company.", ["finance"]),
    ("A development bank lent two hundred million dollars for roads.", ["finance", "transport"]),
    ("The investment fund raised capital for wind and solar projects.", ["finance", "energy"]),
    ("Banks cut mortgage rates as the currency strengthened.", ["finance"]),
    ("Foreign direct investment in the country doubled last year.", ["finance"]),
    ("The lender posted record profit on higher loan volumes.", ["finance"]),
    ("Electric buses charged by solar power now serve the city routes.", ["energy", "transport"]),
    ("Fuel shortages grounded flights and stranded cargo at the airport.", ["energy", "transport"]),
    ("A bank loan will finance the new hospital wing and its equipment.", ["finance", "health"]),
    ("Diesel prices pushed up the cost of trucking goods to the port.", ["energy", "transport"]),
    ("The pension fund invested in a chain of private clinics.", ["finance", "health"]),
    ("Air pollution from the coal plant sent more patients to hospital.", ["energy", "health"]),
    ("The football club won the cup after extra time.", []),
    ("The orchestra played a new symphony to a full hall.", []),
]
TEXTS = [text for text, _ in CORPUS]
LABELS = [labels for _, labels in CORPUS]
