"""helpers.pooling: each strategy does what lesson 02 says, and mean pooling equals the library."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import data, models, pooling

HIDDEN = np.array([[[1.0, 2.0], [3.0, -4.0], [50.0, 50.0]],
                   [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]], dtype=np.float32)
MASK = np.array([[1, 1, 0], [1, 1, 1]])  # text 0 has one padding position


def test_each_strategy_on_a_hand_computed_batch():
    raw = {s: pooling.pool(HIDDEN, MASK, s, normalize=False) for s in pooling.STRATEGIES}
    np.testing.assert_allclose(raw["cls"], [[1, 2], [0, 1]])
    np.testing.assert_allclose(raw["mean"], [[2, -1], [2, 3]])
    np.testing.assert_allclose(raw["max"], [[3, 2], [4, 5]])  # the padding's 50 is ignored
    np.testing.assert_allclose(raw["unmasked_mean"][0], [18, 16])  # the padding leaks in
    unit = pooling.pool(HIDDEN, MASK, "mean")
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1, atol=1e-6)


def test_torch_tensors_are_accepted():
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(pooling.pool(torch.from_numpy(HIDDEN), torch.from_numpy(MASK)),
                               pooling.pool(HIDDEN, MASK))


def test_masked_mean_ignores_padding_but_unmasked_mean_does_not():
    padded_hidden = np.concatenate([HIDDEN, np.full((2, 4, 2), 7.0, np.float32)], axis=1)
    padded_mask = np.concatenate([MASK, np.zeros((2, 4), int)], axis=1)
    np.testing.assert_allclose(pooling.pool(padded_hidden, padded_mask), pooling.pool(HIDDEN, MASK), atol=1e-6)
    assert not np.allclose(pooling.pool(padded_hidden, padded_mask, "unmasked_mean"),
                           pooling.pool(HIDDEN, MASK, "unmasked_mean"), atol=1e-3)


def test_mean_pooling_by_hand_reproduces_sentence_transformers():
    texts = data.load_corpus().texts[:24] + ["short", "A cat is sitting on a carpet"]
    library = models.load_encoder(quiet=True).encode(texts, normalize_embeddings=True)
    by_hand = pooling.encode_pooled(texts, "mean", batch_size=8)
    assert by_hand.shape == (26, 384) and by_hand.dtype == np.float32
    assert np.abs(by_hand - library).max() < 1e-5


def test_batching_changes_nothing_for_mean_but_everything_for_the_bug():
    texts = ["cats", "A much longer sentence about the history of the printing press in Europe."]
    alone = np.concatenate([pooling.encode_pooled([t], "unmasked_mean") for t in texts])
    batched = pooling.encode_pooled(texts, "unmasked_mean")
    assert float(alone[0] @ batched[0]) < 0.95  # the short text drifts when padded
    np.testing.assert_allclose(np.concatenate([pooling.encode_pooled([t]) for t in texts]),
                               pooling.encode_pooled(texts), atol=1e-5)


def test_one_pass_gives_every_strategy_as_separate_passes_would():
    texts = ["A cat is sitting on a carpet", "Interest rates rose.", "The telescope saw a distant galaxy."]
    each = pooling.encode_each_pooling(texts, ["cls", "max"], batch_size=2)
    assert set(each) == {"cls", "max"}
    np.testing.assert_allclose(each["max"], pooling.encode_pooled(texts, "max", batch_size=2), atol=1e-6)
    assert not np.allclose(each["cls"], each["max"], atol=1e-2)


def test_an_untrained_model_can_be_passed_as_a_pair():
    torch = pytest.importorskip("torch")
    from transformers import BertConfig, BertModel

    tokenizer, _ = models.load_transformer(quiet=True)
    torch.manual_seed(0)
    tiny = BertModel(BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
                                num_attention_heads=2, intermediate_size=64)).eval()
    emb = pooling.encode_pooled(["one text", "another text"], "max", model=(tokenizer, tiny))
    assert emb.shape == (2, 32)


def test_a_text_that_pools_to_zeros_is_refused_not_nan():
    hidden = np.zeros((2, 3, 4), dtype=np.float32)
    hidden[0, 0, 0] = 1.0
    mask = np.ones((2, 3), dtype=int)
    for strategy in ("cls", "mean", "max", "unmasked_mean"):
        with pytest.raises(ValueError, match="text 1 pools to a vector of zeros"):
            pooling.pool(hidden, mask, strategy)
        raw = pooling.pool(hidden, mask, strategy, normalize=False)  # the documented way to keep it
        assert np.isfinite(raw).all() and not raw[1].any()


def test_huge_token_vectors_pool_without_overflow():
    hidden = np.full((1, 4, 3), 3e38, dtype=np.float32)  # float32 sums of these overflowed to inf
    mask = np.ones((1, 4), dtype=int)
    np.testing.assert_allclose(pooling.pool(hidden, mask, "mean", normalize=False), [[3e38] * 3], rtol=1e-6)
    np.testing.assert_allclose(pooling.pool(hidden, mask, "mean"), [[3 ** -0.5] * 3], atol=1e-6)
