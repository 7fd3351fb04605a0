"""The 'riding' kernel: labels as extra value channels of the fused forward (the CPU flash
kernel here; the CUDA pair's padded channels and its first-use check exercised on CPU)."""
import pytest
import torch
import torch.nn.functional as F

from tlalign_mm.alignment import build_tracer
from tlalign_mm.alignment.label_riding_attention import label_riding_attention

from .test_vit_alignment import make_vit


def qkv_views(batch=3, tokens=11, heads=2, head_dim=8, seed=0):
    """q, k, v as mmpretrain makes them: strided views of one (B, N, 3, H, d) projection."""
    g = torch.Generator().manual_seed(seed)
    qkv = (torch.randn(batch, tokens, 3, heads, head_dim, generator=g) * 1.5).requires_grad_()
    q, k, v = qkv.permute(2, 0, 3, 1, 4)
    return qkv, q, k, v


@pytest.fixture(params=[1, 8], ids=['cpu-alignment', 'cuda-alignment'])
def alignment(request, monkeypatch):
    """Run the CPU pair as it is, and as if it needed CUDA's head sizes (multiples of 8): the
    zero padding channels and their scratch output then ride along as on CUDA."""
    from tlalign_mm.alignment import label_riding_attention as riding
    cpu = riding.FUSED_KERNELS['cpu']
    monkeypatch.setitem(riding.FUSED_KERNELS, 'cpu', cpu._replace(align=request.param))
    return request.param


def test_a_kernel_that_takes_its_own_value_size_gets_q_and_k_unpadded(monkeypatch):
    """CUDA's pair takes a wider value than q and k; emulated here by a CPU pair that widens q
    and k itself and records the sizes it was handed: q and k arrive at their own size."""
    from tlalign_mm.alignment import label_riding_attention as riding
    cpu, seen = riding.FUSED_KERNELS['cpu'], []

    def own_value_size(q, k, v, scale):
        seen.append((q.size(-1), k.size(-1), v.size(-1)))
        extra = v.size(-1) - q.size(-1)
        return cpu.forward(F.pad(q, (0, extra)), F.pad(k, (0, extra)), v, scale)

    monkeypatch.setitem(riding.FUSED_KERNELS, 'cpu', cpu._replace(
        forward=own_value_size, align=8, equal_head_sizes=False))
    qkv, q, k, v = qkv_views()
    labels = torch.rand(3, 11, 3)
    out, moved = label_riding_attention(q, k, v, labels, 8**-0.5)
    assert seen == [(8, 8, 8 + 8)]  # 3 label channels padded to 8
    probs = torch.softmax(q.detach() @ k.detach().transpose(-2, -1) * 8**-0.5, -1)
    torch.testing.assert_close(moved, probs.mean(dim=1) @ labels, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, scale=8**-0.5),
                               atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('width', [1, 3])
def test_features_gradients_and_labels_match_references(width, alignment):
    qkv, q, k, v = qkv_views()
    labels = torch.rand(3, 11, width)
    scale = 8**-0.5
    grad = torch.randn(3, 2, 11, 8)

    out, moved = label_riding_attention(q, k, v, labels, scale)
    (out * grad).sum().backward()
    riding_grad = qkv.grad.clone()
    qkv.grad = None
    stock = F.scaled_dot_product_attention(q, k, v, scale=scale)
    (stock * grad).sum().backward()

    torch.testing.assert_close(out, stock, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(riding_grad, qkv.grad, atol=1e-5, rtol=1e-4)
    # Independent reference: materialised softmax in float64, averaged over heads, times y.
    probs = torch.softmax(q.detach().double() @ k.detach().double().transpose(-2, -1) * scale, -1)
    expected = probs.mean(dim=1) @ labels.double()
    torch.testing.assert_close(moved.double(), expected, atol=1e-6, rtol=0)
    assert moved.shape == (3, 11, width) and not moved.requires_grad
    # The features keep the stock layout, so the block's transpose+reshape is a free view.
    assert out.transpose(1, 2).is_contiguous()


def test_auto_kernel_rides_only_where_labels_stay_exact():
    vit = make_vit()
    tracer = build_tracer(vit)  # kernel='auto'
    q = torch.randn(2, 4, 5, 16)
    tracer.labels = torch.rand(2, 5, 1)
    assert tracer._kernel_for(q, 0.0) == 'riding'
    assert tracer._kernel_for(q, 0.1) == 'fused'             # labels use pre-dropout attention
    assert tracer._kernel_for(q.bfloat16(), 0.0) == 'fused'  # autocast: fp32 labels
    tracer.labels = torch.rand(2, 5, 1000)                   # K-dim, 1000 classes: too wide
    assert tracer._kernel_for(q, 0.0) == 'fused'
    from tlalign_mm.alignment.label_riding_attention import kernels_chosen_as
    with kernels_chosen_as('cuda'):  # what CUDA training picks (the CPU pair stands in)
        assert tracer._kernel_for(q, 0.0) == 'riding'  # K-dim too: q, k keep their size there
        tracer.labels = torch.rand(2, 5, 1)
        assert tracer._kernel_for(q, 0.0) == 'riding'
        assert tracer._kernel_for(q.bfloat16(), 0.0) == 'sdpa'  # autocast
    assert tracer._kernel_for(q.bfloat16(), 0.0) == 'fused'

    forced = build_tracer(vit, kernel='riding')
    forced.labels = torch.rand(2, 5, 1)
    with pytest.raises(RuntimeError, match="kernel 'riding' needs fp32 attention on CPU or CUDA"):
        forced._kernel_for(q.bfloat16(), 0.0)


def test_a_kernel_pair_that_fails_its_first_use_check_is_not_used(monkeypatch, caplog):
    """The check another device's pair passes before it writes a label: the CPU pair passes it,
    a pair with a wrong backward (or one that raises) fails it, once, with one warning."""
    from tlalign_mm.alignment import label_riding_attention as riding
    q = torch.randn(2, 4, 5, 16)
    assert riding._check_riding(q, 1)
    cpu = riding.FUSED_KERNELS['cpu']

    def wrong_backward(grad, q, k, v, out, saved, scale):
        return [2 * g for g in cpu.backward(grad, q, k, v, out, saved, scale)]

    monkeypatch.setitem(riding.FUSED_KERNELS, 'cpu', cpu._replace(backward=wrong_backward))
    assert not riding._check_riding(q, 1)

    def failing_forward(q, k, v, scale):
        raise RuntimeError('no kernel for these head sizes')

    monkeypatch.setitem(riding.FUSED_KERNELS, 'cpu', cpu._replace(forward=failing_forward))
    assert not riding._check_riding(q, 1)
