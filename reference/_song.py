"""The "나비야" song and its code tables, as every song seed defines them (000, 002, 003).

Not an assignment (the registry skips modules whose name starts with ``_``).
"""

#: Note code → class index ("code2idx" in 000/002, "note2idx" in 003).
CODE2IDX = {"c4": 0, "d4": 1, "e4": 2, "f4": 3, "g4": 4, "a4": 5, "b4": 6,
            "c8": 7, "d8": 8, "e8": 9, "f8": 10, "g8": 11, "a8": 12, "b8": 13}
IDX2CODE = {index: code for code, index in CODE2IDX.items()}
#: Pitch letter → scale step, and note length → 0 (quarter) / 1 (eighth) (the two-feature model).
CODE2SCALE = {"c": 0, "d": 1, "e": 2, "f": 3, "g": 4, "a": 5, "b": 6}
CODE2LENGTH = {"4": 0, "8": 1}
MAX_SCALE_VALUE = 6.0
MAX_IDX_VALUE = 13

#: The whole song, 54 notes (four lines of the score).
SONG = ["g8", "e8", "e4", "f8", "d8", "d4", "c8", "d8", "e8", "f8", "g8", "g8", "g4",
        "g8", "e8", "e8", "e8", "f8", "d8", "d4", "c8", "e8", "g8", "g8", "e8", "e8", "e4",
        "d8", "d8", "d8", "d8", "d8", "e8", "f4", "e8", "e8", "e8", "e8", "e8", "f8", "g4",
        "g8", "e8", "e4", "f8", "d8", "d4", "c8", "e8", "g8", "g8", "e8", "e8", "e4"]
