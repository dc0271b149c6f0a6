"""Demo data: a realistic catalogue, professionals, customers and requests in every status."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from household.auth.passwords import hash_password
from household.domain import scheduling
from household.domain.accounts import ensure_roles
from household.domain.names import name_key
from household.models import Customer, Professional, Service, ServiceRequest, User, utcnow
from household.models.user import APPROVAL_APPROVED, APPROVAL_PENDING, APPROVAL_REJECTED

DEMO_PASSWORD = "HomeServe#2026"  # noqa: S105 - published demo login, local data only
DEMO_CUSTOMER = "priya.sharma@example.com"
DEMO_PROFESSIONAL = "ravi.kumar@example.com"

SERVICES = [
    ("Home Deep Cleaning", "1499.00", 240, "Full home deep cleaning: kitchen, bathrooms, floors, windows and fans."),
    ("Bathroom Cleaning", "499.00", 60, "Descaling, tiles, fittings and floor of one bathroom."),
    ("Kitchen Cleaning", "899.00", 120, "Degreasing of chimney, hob, cabinets, slab and sink."),
    ("Sofa Shampooing", "699.00", 90, "Foam shampoo and vacuum for a 5-seater sofa."),
    ("Plumbing Repair", "299.00", 45, "Leaks, taps, flush tanks, blockages and pipe fittings."),
    ("Electrical Repair", "249.00", 45, "Switches, sockets, wiring faults, MCB and fan installation."),
    ("AC Service", "599.00", 60, "Split or window AC servicing with jet pump cleaning."),
    ("AC Gas Refill", "2499.00", 90, "Leak check and complete refrigerant top-up."),
    ("Washing Machine Repair", "449.00", 60, "Diagnosis and repair of top and front load machines."),
    ("Refrigerator Repair", "499.00", 60, "Cooling problems, thermostat, compressor checks."),
    ("RO Water Purifier Service", "399.00", 45, "Filter change, membrane cleaning and TDS check."),
    ("Pest Control", "1199.00", 120, "Cockroach, ant and termite treatment, odourless chemicals."),
    ("Carpentry", "349.00", 60, "Furniture repair, door alignment, hinges, locks and shelves."),
    ("Home Painting", "8999.00", 2880, "Interior wall painting per room with premium emulsion."),
    ("Salon at Home for Women", "799.00", 90, "Waxing, facial and threading by trained beauticians."),
]

# (name, email, service index, years, location, pin, approval)
PROFESSIONALS = [
    ("Ravi Kumar", DEMO_PROFESSIONAL, 4, 8, "Koramangala, Bengaluru", "560034", APPROVAL_APPROVED),
    ("Suresh Patil", "suresh.patil@example.com", 4, 12, "Andheri West, Mumbai", "400053", APPROVAL_APPROVED),
    ("Anita Desai", "anita.desai@example.com", 0, 6, "Koramangala, Bengaluru", "560034", APPROVAL_APPROVED),
    ("Mohammed Irfan", "irfan.m@example.com", 5, 10, "Indiranagar, Bengaluru", "560038", APPROVAL_APPROVED),
    ("Lakshmi Narayanan", "lakshmi.n@example.com", 6, 7, "T. Nagar, Chennai", "600017", APPROVAL_APPROVED),
    ("Gurpreet Singh", "gurpreet.s@example.com", 6, 9, "Saket, New Delhi", "110017", APPROVAL_APPROVED),
    ("Deepa Menon", "deepa.menon@example.com", 1, 4, "Koramangala, Bengaluru", "560034", APPROVAL_APPROVED),
    ("Arjun Reddy", "arjun.reddy@example.com", 8, 5, "Gachibowli, Hyderabad", "500032", APPROVAL_APPROVED),
    ("Farah Khan", "farah.khan@example.com", 14, 3, "Bandra West, Mumbai", "400050", APPROVAL_APPROVED),
    ("Vikram Joshi", "vikram.joshi@example.com", 11, 11, "Kothrud, Pune", "411038", APPROVAL_APPROVED),
    ("Sanjay Yadav", "sanjay.yadav@example.com", 12, 15, "Indiranagar, Bengaluru", "560038", APPROVAL_APPROVED),
    ("Kavita Rao", "kavita.rao@example.com", 2, 2, "Koramangala, Bengaluru", "560034", APPROVAL_PENDING),
    ("Rahul Verma", "rahul.verma@example.com", 7, 1, "Saket, New Delhi", "110017", APPROVAL_PENDING),
    ("Nikhil Bose", "nikhil.bose@example.com", 9, 3, "Salt Lake, Kolkata", "700091", APPROVAL_REJECTED),
]

# (name, email, address, location, pin)
CUSTOMERS = [
    ("Priya Sharma", DEMO_CUSTOMER, "12, 5th Cross, 4th Block", "Koramangala, Bengaluru", "560034"),
    ("Amit Shah", "amit.shah@example.com", "Flat 402, Sea Breeze, Link Road", "Andheri West, Mumbai", "400053"),
    ("Neha Gupta", "neha.gupta@example.com", "B-14, Press Enclave", "Saket, New Delhi", "110017"),
    ("Karthik Iyer", "karthik.iyer@example.com", "22, Usman Road", "T. Nagar, Chennai", "600017"),
    ("Sneha Kulkarni", "sneha.k@example.com", "7, Paud Road", "Kothrud, Pune", "411038"),
    ("Rohan Das", "rohan.das@example.com", "3rd Floor, 100 Feet Road", "Indiranagar, Bengaluru", "560038"),
]

REVIEWS = {
    5: "Excellent work, punctual and very clean.",
    4: "Good job, arrived a little late.",
    3: "Okay, had to point out a few things.",
    2: "Took longer than promised.",
    1: "Not satisfied with the work.",
}


def seed_demo(s: Session) -> bool:
    """Load the demo data once. Returns False when it is already there."""
    if s.execute(select(User.id).where(User.email == DEMO_CUSTOMER)).first() is not None:
        return False
    roles = ensure_roles(s)
    password_hash = hash_password(DEMO_PASSWORD)
    now = utcnow()

    services = []
    for name, price, minutes, description in SERVICES:
        # By the normalised key, as the catalogue's unique index compares names.
        live = select(Service).where(Service.name_key == name_key(name), Service.deleted_at.is_(None))
        service = s.execute(live).scalar()
        if service is None:
            service = Service(name=name, price=Decimal(price), time_required=minutes, description=description)
            s.add(service)
        services.append(service)
    s.flush()

    professionals = []
    for i, (name, email, svc, years, location, pin, approval) in enumerate(PROFESSIONALS):
        user = User(email=email, password_hash=password_hash, name=name, phone=f"+9198450{10000 + i:05d}")
        user.roles.append(roles["professional"])
        user.professional = Professional(
            service_id=services[svc].id,
            experience_years=years,
            description=f"{years} years of experience in {services[svc].name.lower()}. Verified and insured.",
            location=location,
            pin_code=pin,
            approval=approval,
            approval_changed_at=now if approval != APPROVAL_PENDING else None,
            working_hours=scheduling.default_week(),
        )
        s.add(user)
        professionals.append(user.professional)

    customers = []
    for i, (name, email, address, location, pin) in enumerate(CUSTOMERS):
        user = User(email=email, password_hash=password_hash, name=name, phone=f"+9199000{20000 + i:05d}")
        user.roles.append(roles["customer"])
        user.customer = Customer(address=address, location=location, pin_code=pin)
        s.add(user)
        customers.append(user.customer)
    s.flush()

    approved = [p for p in professionals if p.approval == APPROVAL_APPROVED]
    statuses = ["closed", "closed", "closed", "assigned", "requested", "rejected", "cancelled", "closed"]
    n = 0
    for c_index, customer in enumerate(customers):
        for k, status in enumerate(statuses):
            pro = approved[(c_index * 3 + k) % len(approved)]
            created = now - timedelta(days=(c_index * 5 + k * 3) % 28 + 1, hours=k)
            when = created + timedelta(days=2)
            if status in ("requested", "assigned"):
                when = now + timedelta(days=k + 1)
            rating = None
            review = None
            completed = None
            if status == "closed":
                rating = 5 - ((c_index + k) % 5 if (c_index + k) % 3 == 0 else 0)
                review = REVIEWS[rating]
                completed = when + timedelta(hours=3)
                pro.rating_sum += rating
                pro.rating_count += 1
            end = when + timedelta(minutes=pro.service.time_required)
            s.add(
                ServiceRequest(
                    end_time=end,
                    held_until=end + timedelta(minutes=30),
                    price=pro.service.price,
                    service_id=pro.service_id,
                    customer_id=customer.id,
                    professional_id=pro.id,
                    status=status,
                    date_of_request=when,
                    date_of_completion=completed,
                    remarks="Please call before coming." if k % 2 == 0 else None,
                    rating=rating,
                    review=review,
                    created_at=created,
                    updated_at=completed or created,
                )
            )
            n += 1
    s.commit()
    return True
