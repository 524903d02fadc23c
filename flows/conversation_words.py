"""The words customers use, as the understanding module looks for them (plain: no accents, lower case).

Phrases are compared word by word, with small typos allowed; `flows.understanding` does the reading.
"""

from __future__ import annotations

from typing import Final

from flows.facts import Option, Reason, Remedy

COMMANDS: Final[dict[str, str]] = {
    "start": "start",
    "demarrer": "start",
    "annuler": "cancel",
    "cancel": "cancel",
    "stop": "cancel",
    "agent": "agent",
    "conseiller": "agent",
    "aide": "help",
    "help": "help",
    "retractation": "withdraw",
    "suivi": "status",
}

# Tried in this order; the first reason with a matching phrase wins (specific before general).
REASON_PHRASES: Final[tuple[tuple[Reason, tuple[str, ...]], ...]] = (
    (
        "size_color",
        (
            "taille",
            "pointure",
            "trop petit",
            "trop petite",
            "trop grand",
            "trop grande",
            "trop large",
            "trop serre",
            "trop court",
            "trop long",
            "me va pas",
            "couleur differente de ce que",
            "de ce que je voulais",
            "pas la bonne couleur",
            "mauvaise couleur",
            "autre couleur",
            "couleur ne me",
            "trompe de couleur",
            "trompee de couleur",
        ),
    ),
    # The customer's own mistake is a change of mind (their side), before « not the right item ».
    (
        "changed_mind",
        (
            "me suis trompe",
            "me suis trompee",
            "me suis plante",
            "me suis plantee",
            "me suis goure",
            "j ai commande le mauvais",
            "j ai commande la mauvaise",
            "j ai pris le mauvais",
            "j ai pris la mauvaise",
            "commande par erreur",
            "commandee par erreur",
            "par erreur de ma part",
            "erreur de ma part",
            "mon erreur",
            "ma faute",
        ),
    ),
    (
        "wrong_item",
        (
            "vous vous etes trompe",
            "vous vous etes trompes",
            "vous m avez envoye le mauvais",
            "vous m avez envoye la mauvaise",
            "pas le bon",
            "pas la bonne",
            "mauvais article",
            "mauvais produit",
            "pas l article commande",
            "pas ce que j ai commande",
            "autre chose que",
            "erreur d article",
            "pas mon article",
            "pas le mien",  # « l'article n'est pas le mien »; « pas la mienne » is an address, a signature
            "article different",
            "recu un autre",
        ),
    ),
    (
        "not_received",
        (
            "pas recu",
            "jamais recu",
            "rien recu",
            "pas arrive",
            "jamais arrive",
            "pas livre",
            "jamais livre",
            "colis perdu",
            "perdu",
            "pas encore recu",
            # « reçue », « livrée »: too short for a slip, so the feminine forms are listed.
            "pas recue",
            "jamais recue",
            "pas livree",
            "jamais livree",
            "non recu",
            "non recue",
            "non livre",
            "non livree",
        ),
    ),
    (
        "not_as_described",
        (
            "correspond pas",
            "pas conforme",
            "description",
            "pas comme sur",
            "pas comme la photo",
            "pas comme les photos",
            "pas comme annonce",
            "different de la photo",
            "differente de la photo",
            "different des photos",
            "differente des photos",
            "rien a voir avec",
            "qualite",
            "couleur differente",
        ),
    ),
    (
        "damaged",
        (
            "casse",
            "cassee",
            "brise",
            "abime",
            "raye",
            "rayure",
            "fissure",
            "fele",
            "endommage",
            "ecrase",
            "dechire",
            "morceaux",
            "miettes",
            "tache",
            "bosse",
        ),
    ),
    (
        "defective",
        (
            "fonctionne pas",
            "fonctionne plus",
            "fonctionnent pas",
            "fonctionnent plus",
            "marchent pas",
            "marchent plus",
            "marche pas",
            "marche plus",
            "panne",
            "defectueux",
            "defectueuse",
            "defaut",
            "allume pas",
            "allume plus",
            "allument pas",
            "allument plus",
            "charge pas",
            "charge plus",
            "hs",
            "bug",
            "grille",
            "aucun son",
        ),
    ),
    (
        "changed_mind",
        (
            "plait pas",
            "plait plus",
            "en veux plus",
            "veux plus",
            "retractation",
            "retracter",
            "change d avis",
            "changer d avis",
            "plus besoin",
            "convient pas",
            "renoncer",
            "renonce",
            "regrette",
        ),
    ),
)

ALARM_WORDS: Final = (
    "plainte",
    "avocat",
    "litige",
    "paypal",
    "dgccrf",
    "arnaque",
    "arnaquer",
    "arnaqueur",
    "arnaqueurs",
    "escroc",
    "escroquerie",
    "escrocs",
    "voleur",
    "voleurs",
    "tribunal",
    "signal conso",
    "signalconso",
    "mise en demeure",
    "que choisir",
    "chargeback",
)
# Asking to be called back or for someone in charge: a person, too.
CALL_ME_PHRASES: Final = (
    "rappelez moi",
    "appelez moi",
    "pouvez vous me rappeler",
    "me rappeler au",
    "m appeler",
    "qu on m appelle",
    "qu on me rappelle",
    "etre rappele",
    "etre rappelee",
    "un responsable",
    "le responsable",
    "au responsable",
    "votre responsable",
    "votre chef",
    "au gerant",
    "le gerant",
    "parler au sav",
    "passez moi",
    "contact sav",
    "joindre le sav",
)

AGENT_PHRASES: Final = (
    "conseiller",
    "conseillere",
    "humain",
    "une personne",
    "une vraie personne",
    "quelqu un",
    "agent",
    "service client",
    "parler a",
    "vrai gens",
    "operateur",
)
YES: Final = (
    "oui",
    "ouais",
    "ouai",
    "yes",
    "ok",
    "okay",
    "d accord",
    "dac",
    "exact",
    "bien sur",
    "tout a fait",
    "oki",
    "yep",
    "carrement",
    "absolument",
    "exactement",
    "volontiers",
    "avec plaisir",
    "vi",
    "voui",
    "ouaip",
    "ouep",
    "scelle",
    "intact",
    "ferme",
    "jamais ouvert",
    "pas ouvert",
)
STILL_SEALED: Final = (
    "jamais ouvert",
    "pas ouvert",
    "jamais ete ouvert",
    "pas ete ouvert",
    "encore scelle",
    "toujours scelle",
    "toujours ferme",
)
NO: Final = (
    "non",
    "nan",
    "no",
    "nope",
    "nop",
    "nn",
    "hors de question",
    "pas du tout",
    "ouvert",
    "deja ouvert",
    "entame",
    "utilise",
)
DONE: Final = (
    "c est tout",
    "c tout",
    "cest tout",
    "c bon",
    "ca y est",
    "j ai fini",
    "termine",
    "fini",
    "voila",
    "c est bon",
    "ca suffit",
    "tout envoye",
    "c est fait",
    "suffit",
)
SKIP: Final = (
    "pas de photo",
    "pas photo",
    "passer",
    "sans photo",
    "aucune photo",
    "je n en ai pas",
    "pas d appareil",
    "non",
)
# Asking where the case stands, at any step.
STATUS_QUESTIONS: Final = (
    "ou en est",
    "ou en sont",
    "des nouvelles de mon",
    "des nouvelles de ma",
    "suivi de mon retour",
    "suivi de mon dossier",
    "suivi de ma demande",
    "etat de mon dossier",
    "etat de ma demande",
    "avancement de mon",
    "avancement de ma",
    "quand serai je rembourse",
    "quand vais je etre rembourse",
    "quand je serai rembourse",
    "quand suis je rembourse",
    "c est quand que je suis rembourse",
    "toujours pas rembourse",
    "quand vais je recevoir le nouvel",
    "quand vais je recevoir mon nouvel",
)
# Questions off the path, answered briefly before the step's question again (first match wins).
ASIDES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "robot",
        (
            "robot",
            "un bot",
            "chatbot",
            "une ia",
            "intelligence artificielle",
            "une machine",
            "automatique",
            "chatgpt",
            "je parle a qui",
            "vous etes humain",
            "etes vous humain",
            "une vraie personne ou",
        ),
    ),
    (
        "refund_when",
        (
            "quand serai je rembourse",
            "quand vais je etre rembourse",
            "quand je serai rembourse",
            "quand suis je rembourse",
            "quand que je suis rembourse",
            "quand est ce que je suis rembourse",
            "quand est ce que je serai rembourse",
            "quand le remboursement",
            "delai de remboursement",
            "delai du remboursement",
            "combien de temps pour le remboursement",
            "combien de temps pour etre rembourse",
            "rembourse quand",
            "rembourse sous combien",
        ),
    ),
    (
        "delivery_delay",
        (
            "delai de livraison",
            "delais de livraison",
            "delai d envoi",
            "combien de temps pour le recevoir",
            "combien de temps pour recevoir",
            "quand vais je le recevoir",
            "quand vais je recevoir le nouveau",
            "quand je vais le recevoir",
            "ca prend combien de temps",
            "livre en combien de temps",
            "livre sous combien",
        ),
    ),
    (
        "opening_hours",
        (
            "horaires",
            "horaire",
            "heures d ouverture",
            "vous etes ouverts",
            "vous etes ouvert",
            "jusqu a quelle heure",
            "a quelle heure",
            "ouvert le week end",
            "ouvert le samedi",
            "ouvert le dimanche",
        ),
    ),
)
# How many of a line a customer speaks of (« un des 2 chargeurs marche plus »).
HOW_MANY: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "one",
        ("un des", "une des", "l un des", "l une des", "un seul", "une seule", "un sur", "une sur"),
    ),
    ("all", ("les deux", "les 2", "tous les", "toutes les", "tous", "aucun ne", "aucune ne")),
)
QUESTION_WORDS: Final = frozenset(
    {"quand", "comment", "combien", "pourquoi", "quel", "quels", "quelle", "quelles"}
)
LATER: Final = ("plus tard", "tout a l heure", "demain", "un autre jour", "reviendrai", "reviens")
GREETINGS: Final = (
    "bonjour",
    "bonsoir",
    "salut",
    "hello",
    "coucou",
    "re",
    "hey",
    "slt",
    "bjr",
    "cc",
    "rebonjour",
    "allo",
)
# A complaint that says nothing of what is wrong (« j'ai un souci avec ma commande », « il y a un
# problème »): a complaint word, and only these around it (besides greetings). « pas de souci » is
# no complaint: « pas » is none of them.
COMPLAINT_WORDS: Final = frozenset({"souci", "soucis", "probleme", "problemes", "pb", "pbs", "pbm"})
VAGUE_WORDS: Final = frozenset({
    "j", "je", "ai", "a", "il", "elle", "on", "y", "ya", "me", "m", "nous", "s", "est", "c", "ca",
    "cela", "voila", "alors", "fait", "encore", "vraiment", "rencontre", "quelque", "chose",
    "un", "une", "des", "petit", "gros", "grand", "leger", "vrai", "avec", "sur", "de", "du", "d",
    "la", "le", "l", "les", "ma", "mon", "mes", "votre", "vos", "au", "niveau", "concernant",
    "pour", "en", "commande", "commandes", "colis", "article", "articles", "produit", "produits",
    "achat", "paquet", "objet", "truc", "appareil", "livraison", "svp", "stp", "merci", "aide",
})  # fmt: skip
OPTION_PHRASES: Final[tuple[tuple[Option, tuple[str, ...]], ...]] = (
    (
        "keep_and_replace",
        ("garder", "garde", "gardes", "conserver", "nouveau", "renvoyer un", "en renvoyer"),
    ),
    ("exchange", ("echange", "echanger", "changer", "remplacer", "remplacement", "autre taille")),
    ("refund", ("rembourse", "remboursement", "rembourser", "remboursez", "argent")),
)
# Asking for a remedy of the conformity guarantee instead of the options (L217-9, L217-14).
REMEDY_PHRASES: Final[tuple[tuple[Remedy, tuple[str, ...]], ...]] = (
    ("repair", ("reparer", "reparation", "reparez", "faire reparer")),
    (
        "price_reduction",
        (
            "une reduction",
            "reduction du prix",
            "un geste",
            "geste commercial",
            "une remise",
            "rabais",
        ),
    ),
)
ORDINALS: Final = {
    "premier": 1, "premiere": 1, "1er": 1, "1ere": 1,
    "deuxieme": 2, "second": 2, "seconde": 2, "deux": 2, "2eme": 2, "2e": 2,
    "troisieme": 3, "trois": 3, "3eme": 3, "3e": 3,
    "quatrieme": 4, "quatre": 4, "cinquieme": 5, "cinq": 5,
}  # fmt: skip
EMOJI_WORDS: Final = {"👍": " oui ", "👌": " oui ", "✅": " oui ", "👎": " non ", "❌": " non "}
# A question about the solutions, asked before the offer (« c quoi mes options ? »).
ABOUT_SOLUTIONS: Final = frozenset(
    {"option", "options", "solution", "solutions", "choix", "possibilite", "possibilites", "proposez", "propose"}
)  # fmt: skip
# Thanks, once the request is settled (« merci beaucoup », « super merci »).
THANKS: Final = frozenset({"merci", "mercii", "merciii", "mrc", "thx", "thanks"})
