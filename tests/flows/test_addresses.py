"""The return address a customer reads: the shop as addressee, the supplier's name nowhere."""

from __future__ import annotations

from flows.addresses import delivery_lines, names_in

NORDLICHT = "Nordlicht Retouren\nHafenstraße 12\n20457 Hamburg\nAllemagne"


def test_the_addressee_line_of_a_stored_address_is_dropped_and_the_parcel_still_arrives() -> None:
    assert delivery_lines(NORDLICHT) == ("Hafenstraße 12", "20457 Hamburg", "Allemagne")
    assert delivery_lines("Service retours MLH\n12 rue des Entrepôts\n69007 Lyon\nFrance") == (
        "12 rue des Entrepôts",
        "69007 Lyon",
        "France",
    )


def test_a_first_line_with_a_number_is_a_street_line_and_stays() -> None:
    address = "Returns Dept. 3F\n88 Keji Road, Nanshan\nShenzhen 518057\nChine"

    assert delivery_lines(address) == tuple(address.splitlines())


def test_another_line_naming_the_supplier_goes_but_never_a_line_the_parcel_needs() -> None:
    address = "Retouren\nz. Hd. Nordlicht GmbH\nNordlichtweg 3\n20457 Hamburg\n\n"

    assert delivery_lines(address, ["nordlicht"]) == ("Nordlichtweg 3", "20457 Hamburg")


def test_names_are_found_whatever_the_case_the_accents_and_the_legal_form() -> None:
    names = ["Lumina Home Ltd", "shenzhen-gadgets", "Nordlicht", "Müller AG"]

    assert names_in("Retours LUMINA HOME, 12 rue", names) == ("Lumina Home Ltd",)
    assert names_in("Shenzhen Gadgets Co. returns", names) == ("shenzhen-gadgets",)
    assert names_in("chez nordlicht.", names) == ("Nordlicht",)
    assert names_in("Entrepôt Muller", names) == ("Müller AG",)


def test_only_whole_words_are_names() -> None:
    names = ["Nordlicht", "shenzhen-gadgets", "Lumina Home Ltd"]

    assert names_in("Nordlichtweg 3", names) == ()
    assert names_in("Shenzhen 518057", names) == ()
    assert names_in("Luminaire Home", names) == ()
