"""State: a model's and an optimizer's state dicts, files, bad input, and resuming training exactly."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest

from autograd_mini import Value, losses, nn, optim

# ---- Module.load_state_dict(strict=False) ----


def values(model: nn.Module) -> List[float]:
    return [p.data for p in model.parameters()]


def test_strict_false_loads_the_matching_keys_and_names_the_others() -> None:
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    donor = nn.MLP(2, [3, 1], rng=random.Random(1)).state_dict()
    state = {"layers.0.weight": donor["layers.0.weight"], "layers.7.gain": [1.0], "extra": 2.0}
    before = model.state_dict()
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert result.unexpected_keys == ["layers.7.gain", "extra"]
    assert result == (result.missing_keys, result.unexpected_keys)  # a NamedTuple, as PyTorch's
    after = model.state_dict()
    assert after["layers.0.weight"] == donor["layers.0.weight"]
    assert {k: after[k] for k in after if k != "layers.0.weight"} == {
        k: before[k] for k in before if k != "layers.0.weight"
    }


def test_strict_load_returns_empty_key_lists_and_strict_must_be_a_bool() -> None:
    a, b = nn.MLP(2, [3, 1], rng=random.Random(0)), nn.MLP(2, [3, 1], rng=random.Random(1))
    assert tuple(b.load_state_dict(a.state_dict())) == ([], [])
    assert values(a) == values(b)
    with pytest.raises(TypeError, match="load_state_dict: strict"):
        b.load_state_dict(a.state_dict(), strict="no")  # type: ignore[arg-type]


def test_strict_false_still_refuses_a_matching_key_with_bad_numbers() -> None:
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    before = values(model)
    state = {"layers.1.bias": [0.5], "layers.0.bias": [0.0, 1.0]}  # the second has the wrong shape
    with pytest.raises(ValueError, match="'layers.0.bias' has 2 entries, expected 3"):
        model.load_state_dict(state, strict=False)
    assert values(model) == before  # not even layers.1.bias was written


# ---- every bad input to load_state_dict: ValueError naming the key, model unchanged ----

HUGE_INT = 10**400  # a float cannot hold it: float() raises OverflowError


def deep_list(depth: int) -> Any:
    x: Any = []
    for _ in range(depth):
        x = [x]
    return x


@pytest.mark.parametrize(
    "value, message",
    [
        (HUGE_INT, "'layers.1.bias.0' must be finite, got an int of about 401 digits"),
        (-HUGE_INT, "'layers.1.bias.0' must be finite"),
        pytest.param(10**5000, "must be finite, got an int of about 5001 digits", id="int of 5000 digits"),
        (float("nan"), "'layers.1.bias.0' must be finite, got nan"),
        (float("-inf"), "'layers.1.bias.0' must be finite"),
        (True, "'layers.1.bias.0' must be a number, got True"),
        ("1.5", "'layers.1.bias.0' must be a number, got '1.5'"),
        (None, "'layers.1.bias.0' must be a number, got None"),
        (deep_list(100_000), "'layers.1.bias.0' must be a number, got a list of 1"),
        ({"a": 1}, "'layers.1.bias.0' must be a number, got {'a': 1}"),
    ],
)
def test_bad_number_is_named_by_its_key(value: Any, message: str) -> None:
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    before = values(model)
    state = model.state_dict()
    state["layers.0.bias"] = [9.0, 9.0, 9.0]  # a good tensor before the bad one: must not be written
    state["layers.1.bias"] = [value]
    with pytest.raises(ValueError, match="^load_state_dict: ") as info:
        model.load_state_dict(state)
    assert message in str(info.value) and len(str(info.value)) < 300
    assert values(model) == before


def test_wrong_shapes_and_keys_are_named() -> None:
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    before = values(model)
    good = model.state_dict()
    cases: List[Tuple[Dict[Any, Any], str]] = [
        ({**good, "layers.0.weight": deep_list(100_000)}, "'layers.0.weight' has 1 entries, expected 3"),
        ({**good, "layers.0.weight": 1.0}, "'layers.0.weight' must be a list of 3, got 1.0"),
        ({**good, "layers.0.weight": "abc"}, "'layers.0.weight' must be a list of 3, got 'abc'"),
        ({**good, HUGE_INT: 1.0}, "unexpected key an int of about 401 digits"),
        ({**good, ("x",) * 10**6: 1.0}, "unexpected key a tuple of 1000000"),
    ]
    for state, message in cases:
        with pytest.raises(ValueError) as info:
            model.load_state_dict(state)
        assert message in str(info.value) and len(str(info.value)) < 300, str(info.value)[:300]
    assert values(model) == before


# ---- load(): every bad file is a ValueError naming the file ----


def saved_text(model: nn.Module, bias: str) -> str:
    doc = {"format": "autograd_mini.state_dict", "version": 1, "model": repr(model), "state_dict": {}}
    text = json.dumps(doc)
    state = json.dumps(model.state_dict())
    state = state.replace('"layers.1.bias": [0.0]', f'"layers.1.bias": [{bias}]')
    return text.replace('"state_dict": {}', f'"state_dict": {state}')


def bad_files(model: nn.Module) -> List[Tuple[str, bytes, str]]:
    return [
        ("huge_int", saved_text(model, "1" + "0" * 400).encode(), "'layers.1.bias.0' must be finite"),
        ("nan", saved_text(model, "NaN").encode(), "'layers.1.bias.0' must be finite, got nan"),
        ("inf", saved_text(model, "-Infinity").encode(), "'layers.1.bias.0' must be finite, got -inf"),
        ("bool", saved_text(model, "true").encode(), "'layers.1.bias.0' must be a number, got True"),
        ("string", saved_text(model, '"0.5"').encode(), "'layers.1.bias.0' must be a number"),
        ("shape", saved_text(model, "0.5, 0.5").encode(), "'layers.1.bias' has 2 entries, expected 1"),
        ("nested", b"[" * 100_000, "nested too deeply"),
        ("nested_object", b'{"a": ' * 100_000, "nested too deeply"),
        ("latin1", saved_text(model, "0.5").replace("MLP", "MLP \xe9").encode("latin-1"), "not UTF-8"),
        ("empty", b"", "is empty"),
        ("blank", b"  \n", "is empty"),
        ("list", b"[1, 2]", "does not hold an autograd_mini state dict"),
        ("number", b"3.5", "does not hold an autograd_mini state dict"),
        ("digits", b"1" * 5000, "is not valid JSON"),
        ("truncated", saved_text(model, "0.5")[:-10].encode(), "is not valid JSON"),
    ]


BAD_FILES = bad_files(nn.MLP(2, [3, 1], rng=random.Random(0)))


@pytest.mark.parametrize("name, content, message", BAD_FILES, ids=[case[0] for case in BAD_FILES])
def test_load_of_a_bad_file_names_the_file_and_changes_nothing(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    before = values(model)
    path = tmp_path / f"{name}.json"
    path.write_bytes(content)
    with pytest.raises(ValueError) as info:
        model.load(path)
    text = str(info.value)
    assert text.startswith(f"load: {str(path)!r}") and message in text, text[:300]
    assert len(text) < 400
    assert values(model) == before


def test_the_good_file_of_those_cases_loads(tmp_path: Path) -> None:
    # the bad files above differ from this one only in the bias: the test changes just that
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    (tmp_path / "good.json").write_text(saved_text(model, "0.5"))
    model.load(tmp_path / "good.json")
    assert model.layers[1].bias[0].data == 0.5


def test_load_of_a_directory_or_a_missing_file(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    with pytest.raises(ValueError, match=f"^load: {str(tmp_path)!r} is a directory"):
        model.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "missing.json")


# ---- optimizers: state_dict / load_state_dict ----

OPTIMIZERS: Dict[str, Callable[[List[Value]], optim.Optimizer]] = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "adam": lambda ps: optim.Adam(ps, lr=0.02, betas=(0.8, 0.99), weight_decay=1e-3),
    "adamw": lambda ps: optim.AdamW(ps, lr=0.02),
    "adam_schedule": lambda ps: optim.Adam(ps, lr=lambda t: 0.03 / (1 + 0.1 * t)),
}


def problem() -> Tuple[nn.MLP, List[List[float]], List[int]]:
    rng = random.Random(3)
    X = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(24)]
    y = [int(a + b * c > 0) + int(a > 0.5) for a, b, c in X]  # 3 classes
    return nn.MLP(3, [8, 3], activation="tanh", rng=random.Random(4)), X, y


def train(model: nn.MLP, opt: optim.Optimizer, X: List[List[float]], y: List[int], steps: int) -> None:
    for _ in range(steps):
        loss = losses.softmax_cross_entropy(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_resume_from_files_equals_uninterrupted_training_to_the_bit(tmp_path: Path, name: str) -> None:
    model, X, y = problem()
    opt = OPTIMIZERS[name](model.parameters())
    train(model, opt, X, y, 20)  # the uninterrupted run

    first, _, _ = problem()
    first_opt = OPTIMIZERS[name](first.parameters())
    train(first, first_opt, X, y, 10)
    first.save(tmp_path / "model.json")
    (tmp_path / "optimizer.json").write_text(json.dumps(first_opt.state_dict()))

    fresh = nn.MLP(3, [8, 3], activation="tanh", rng=random.Random(99))  # other weights
    fresh.load(tmp_path / "model.json")
    fresh_opt = OPTIMIZERS[name](fresh.parameters())  # a schedule is passed again here
    fresh_opt.load_state_dict(json.loads((tmp_path / "optimizer.json").read_text()))
    assert fresh_opt.steps == 10
    train(fresh, fresh_opt, X, y, 10)
    assert values(fresh) == values(model)  # exactly equal floats, not approximately
    assert fresh_opt.state_dict() == opt.state_dict()


def test_state_dict_is_json_and_says_what_it_holds() -> None:
    ps = [Value(1.0), Value(-2.0)]
    opt = optim.Adam(ps, lr=lambda t: 0.1, betas=(0.8, 0.9))
    for p in ps:
        p.grad = 0.5
    opt.step()
    state = opt.state_dict()
    assert json.loads(json.dumps(state, allow_nan=False)) == state
    assert state["optimizer"] == "Adam" and state["steps"] == 1
    assert state["hyperparameters"] == {"lr": None, "betas": [0.8, 0.9], "eps": 1e-8, "weight_decay": 0.0}
    assert state["buffers"]["m"] == [pytest.approx(0.1), pytest.approx(0.1)]  # (1 - 0.8)·0.5
    sgd = optim.SGD(ps, lr=0.1).state_dict()
    assert sgd["hyperparameters"] == {"lr": 0.1, "momentum": 0.0, "weight_decay": 0.0}
    assert sgd["buffers"] == {"velocity": [0.0, 0.0]}


def test_loading_replaces_numeric_hyperparameters_and_keeps_a_schedule() -> None:
    saved = optim.Adam([Value(1.0)], lr=0.5, eps=1e-6).state_dict()
    target = optim.Adam([Value(1.0)], lr=0.1)
    target.load_state_dict(saved)
    assert target.lr == 0.5 and target.eps == 1e-6  # as PyTorch's param_groups do

    def schedule(t: int) -> float:
        return 0.01

    saved = optim.Adam([Value(1.0)], lr=schedule).state_dict()
    target = optim.Adam([Value(1.0)], lr=schedule)
    target.load_state_dict(saved)
    assert target.lr is schedule


def bad_optimizer_states() -> List[Tuple[str, Callable[[Dict[str, Any]], None], str]]:
    def put(path: Any, value: Any) -> Callable[[Dict[str, Any]], None]:
        def change(state: Dict[str, Any]) -> None:
            *outer, last = path.split(".") if isinstance(path, str) else [path]  # a key that is no name
            target = state
            for key in outer:
                target = target[key]
            if value is KeyError:
                del target[last]
            else:
                target[last] = value

        return change

    return [
        ("no steps", put("steps", KeyError), "missing key 'steps'"),
        ("extra key", put("epoch", 3), "unexpected key 'epoch'"),
        ("other optimizer", put("optimizer", "SGD"), "'optimizer' is str 'SGD', expected 'Adam'"),
        ("negative steps", put("steps", -1), "'steps': expected an int >= 0"),
        ("bool steps", put("steps", True), "'steps': expected an int"),
        ("float steps", put("steps", 2.5), "'steps': expected an int"),
        ("huge steps", put("steps", HUGE_INT), "'steps' must be at most 2**53"),
        ("hyper not dict", put("hyperparameters", [0.1]), "'hyperparameters' must be a dict"),
        ("no eps", put("hyperparameters.eps", KeyError), "missing key 'hyperparameters.eps'"),
        ("extra hyper", put("hyperparameters.momentum", 0.9), "unexpected key 'hyperparameters.momentum'"),
        ("eps 0", put("hyperparameters.eps", 0.0), "'hyperparameters.eps': expected a finite number > 0"),
        ("eps str", put("hyperparameters.eps", "1e-8"), "'hyperparameters.eps': expected"),
        ("lr nan", put("hyperparameters.lr", float("nan")), "'hyperparameters.lr': expected"),
        ("lr huge", put("hyperparameters.lr", HUGE_INT), "'hyperparameters.lr'"),
        ("lr fn", put("hyperparameters.lr", print), "'hyperparameters.lr' must be a number or None"),
        ("betas one", put("hyperparameters.betas", [0.9]), "'hyperparameters.betas': expected a pair"),
        ("betas 1", put("hyperparameters.betas", [0.9, 1.0]), "'hyperparameters.betas'"),
        ("decay -1", put("hyperparameters.weight_decay", -1.0), "'hyperparameters.weight_decay'"),
        ("buffers list", put("buffers", [1]), "'buffers' must be a dict"),
        ("no v", put("buffers.v", KeyError), "missing key 'buffers.v'"),
        ("short m", put("buffers.m", [0.0]), "'buffers.m': expected a list of 2 numbers"),
        ("m nan", put("buffers.m", [0.0, float("nan")]), "'buffers.m'[1]: expected a finite"),
        ("m bool", put("buffers.m", [True, 0.0]), "'buffers.m'[0]: expected a finite"),
        ("m huge", put("buffers.m", [0.0, HUGE_INT]), "'buffers.m'[1]"),
        ("m deep", put("buffers.m", [deep_list(100_000), 0.0]),
         "'buffers.m'[0]: expected a finite real number, got a list of 1"),
        ("m 5000 digits", put("buffers.m", [0.0, 10**5000]),
         "'buffers.m'[1]: an int of about 5001 digits is too large"),
        ("steps 5000 digits", put("steps", 10**5000),
         "'steps' must be at most 2**53, got an int of about 5001 digits"),
        (
            "optimizer deep",
            put("optimizer", deep_list(100_000)),
            "'optimizer' is a list of 1, expected 'Adam'",
        ),
        (
            "hyper deep",
            put("hyperparameters", deep_list(100_000)),
            "'hyperparameters' must be a dict, got a list",
        ),
        ("buffers deep", put("buffers", deep_list(100_000)), "'buffers' must be a dict, got a list of 1"),
        ("m dict", put("buffers.m", {"a": deep_list(100_000)}), "'buffers.m': expected a list of 2 numbers"),
        ("key tuple", put(("x",) * 10**5, 1), "unexpected key a tuple of 100000"),
        ("key 5000 digits", put(10**5000, 1), "unexpected key an int of about 5001 digits"),
        ("lr deep", put("hyperparameters.lr", deep_list(100_000)), "'hyperparameters.lr': expected"),
        ("betas deep", put("hyperparameters.betas", deep_list(100_000)), "'hyperparameters.betas': expected"),
    ]


BAD_OPTIMIZER_STATES = bad_optimizer_states()


@pytest.mark.parametrize(
    "name, change, message", BAD_OPTIMIZER_STATES, ids=[case[0] for case in BAD_OPTIMIZER_STATES]
)
def test_bad_optimizer_state_is_refused_and_changes_nothing(
    name: str, change: Callable[[Dict[str, Any]], None], message: str
) -> None:
    ps = [Value(1.0), Value(2.0)]
    opt = optim.Adam(ps, lr=0.1)
    for p in ps:
        p.grad = 1.0
    opt.step()
    before = json.dumps(opt.state_dict())
    state = optim.Adam([Value(0.0), Value(0.0)], lr=0.7, eps=1e-3).state_dict()  # valid, different
    state["steps"] = 5
    change(state)
    with pytest.raises(ValueError, match=r"^Adam\.load_state_dict: ") as info:
        opt.load_state_dict(state)
    assert message in str(info.value), (name, str(info.value)[:300])
    assert len(str(info.value)) < 300, name
    assert json.dumps(opt.state_dict()) == before, name


def test_optimizer_load_of_a_non_dict_is_a_type_error() -> None:
    opt = optim.SGD([Value(1.0)], lr=0.1)
    with pytest.raises(TypeError, match="SGD.load_state_dict: expected a dict"):
        opt.load_state_dict([1.0])  # type: ignore[arg-type]
