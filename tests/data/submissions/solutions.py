"""A student's right answers to every exercise, written from scratch with plain tensor
operations (no torch.nn.functional losses). The checker's tests grade them; the CLI finds them
by their names, my_<exercise id>."""

import math

import torch


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def my_mse_loss(input, target, reduction="mean"):
    return _reduce((input - target) ** 2, reduction)


def my_l1_loss(input, target, reduction="mean"):
    return _reduce((input - target).abs(), reduction)


def my_smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    r = (input - target).abs()
    if beta == 0:
        return _reduce(r, reduction)
    return _reduce(torch.where(r < beta, 0.5 * r**2 / beta, r - 0.5 * beta), reduction)


def my_huber_loss(input, target, reduction="mean", delta=1.0):
    r = (input - target).abs()
    return _reduce(torch.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta)), reduction)


def my_gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if not isinstance(var, torch.Tensor):
        var = torch.full_like(input, var)
    elif var.dim() == input.dim() - 1:
        var = var.unsqueeze(-1)                  # one variance per row: (N, 1)
    var = var.clone()
    with torch.no_grad():
        var.clamp_(min=eps)                      # the value only: the gradient still flows
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def my_poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        y = target
        stirling = y * y.log() - y + 0.5 * (2 * math.pi * y).log()
        loss = loss + torch.where(y > 1, stirling, 0)
    return _reduce(loss, reduction)


def _log_softmax(x, dim):
    shifted = x - x.amax(dim, keepdim=True)
    return shifted - shifted.exp().sum(dim, keepdim=True).log()


def _class_weights(weight, log_q):
    c = log_q.shape[1]
    w = torch.ones(c, dtype=log_q.dtype) if weight is None else weight
    return w, w.view(1, c, *[1] * (log_q.dim() - 2))  # (C,) and broadcastable to (N, C, ...)


def my_nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    return _picked(input, target, weight, ignore_index, reduction, 0.0)


def my_cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                     label_smoothing=0.0):
    log_q = _log_softmax(input, 1)
    c = input.shape[1]
    if target.is_floating_point():  # class probabilities
        _, w = _class_weights(weight, log_q)
        p = target * (1 - label_smoothing) + label_smoothing / c
        loss = -(p * log_q * w).sum(1)
        return loss.sum() / loss.numel() if reduction == "mean" else _reduce(loss, reduction)
    return _picked(log_q, target, weight, ignore_index, reduction, label_smoothing)


def _picked(log_q, target, weight, ignore_index, reduction, smoothing):
    w, w_broadcast = _class_weights(weight, log_q)
    keep = target != ignore_index
    safe = torch.where(keep, target, torch.zeros_like(target))
    nll = -log_q.gather(1, safe.unsqueeze(1)).squeeze(1)
    w_target = w[safe] * keep
    loss = w_target * nll
    if smoothing:
        uniform = -(log_q * w_broadcast).sum(1) / log_q.shape[1]
        loss = (1 - smoothing) * loss + smoothing * uniform * keep
    if reduction == "mean":
        return loss.sum() / w_target.sum()
    return _reduce(loss, reduction)


def my_binary_cross_entropy(input, target, weight=None, reduction="mean"):
    log_p = torch.clamp(torch.log(input), min=-100)
    log_1mp = torch.clamp(torch.log(1 - input), min=-100)
    loss = -(target * log_p + (1 - target) * log_1mp)
    return _reduce(loss if weight is None else loss * weight, reduction)


def _softplus(x):
    return torch.clamp(x, min=0) + torch.log1p(torch.exp(-x.abs()))


def my_binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                        pos_weight=None):
    log_sigmoid, log_1m_sigmoid = -_softplus(-input), -_softplus(input)
    positive = target * log_sigmoid if pos_weight is None else pos_weight * target * log_sigmoid
    loss = -(positive + (1 - target) * log_1m_sigmoid)
    return _reduce(loss if weight is None else loss * weight, reduction)


def my_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    p = torch.sigmoid(inputs)
    bce = my_binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = bce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return _reduce(loss, reduction)


def my_kl_div(input, target, reduction="mean", log_target=False):
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = torch.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.size(0)
    return _reduce(loss, reduction)


def my_entropy(p, dim=-1):
    return -torch.xlogy(p, p).sum(dim)


def _distance(x, y, p, eps):
    return ((x - y + eps).abs() ** p).sum(-1) ** (1 / p)


def my_triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                           reduction="mean"):
    d_ap = _distance(anchor, positive, p, eps)
    d_an = _distance(anchor, negative, p, eps)
    if swap:
        d_an = torch.minimum(d_an, _distance(positive, negative, p, eps))
    return _reduce(torch.clamp(d_ap - d_an + margin, min=0), reduction)


def my_cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    cos = (input1 * input2).sum(-1) / torch.sqrt((input1**2).sum(-1) * (input2**2).sum(-1))
    loss = torch.where(target == 1, 1 - cos, torch.clamp(cos - margin, min=0))
    return _reduce(loss, reduction)


def _ctc_one(log_probs, label, blank):
    """-log p(label | x) by the forward recursion over the blank-extended label, in log space;
    unreachable states are None (a logsumexp over -inf alone would make nan gradients)."""
    ext = [blank]
    for token in label:
        ext += [token, blank]
    alpha = [log_probs[0, ext[0]]] + ([log_probs[0, ext[1]]] if len(ext) > 1 else [])
    alpha += [None] * (len(ext) - len(alpha))
    for t in range(1, len(log_probs)):
        new = []
        for s, token in enumerate(ext):
            terms = [alpha[s]] + ([alpha[s - 1]] if s >= 1 else [])
            if s >= 2 and token != blank and token != ext[s - 2]:
                terms.append(alpha[s - 2])
            terms = [a for a in terms if a is not None]
            new.append(torch.logsumexp(torch.stack(terms), 0) + log_probs[t, token]
                       if terms else None)
        alpha = new
    ends = [a for a in alpha[-2:] if a is not None]
    if not ends:
        return torch.tensor(float("inf"), dtype=log_probs.dtype)
    return -torch.logsumexp(torch.stack(ends), 0)


def my_hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):
    loss = torch.where(target == 1, input, (margin - input).clamp(min=0))
    return _reduce(loss, reduction)


def my_multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    x, y = input.reshape(-1, input.shape[-1]), target.reshape(-1, 1)    # (N, C), (N, 1)
    C = x.shape[1]
    hinge = (margin - x.gather(1, y) + x).clamp(min=0) ** p
    if weight is not None:
        hinge = weight[y] * hinge                # the target class's weight
    others = torch.arange(C) != y                # every class but the target
    loss = (hinge * others).sum(1) / C
    return _reduce(loss.reshape(target.shape), reduction)


def my_ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
                zero_infinity=False):
    losses, start = [], 0
    for n in range(log_probs.shape[1]):
        length = int(target_lengths[n])
        if targets.dim() == 1:
            label, start = targets[start:start + length], start + length
        else:
            label = targets[n, :length]
        loss = _ctc_one(log_probs[: int(input_lengths[n]), n], label.tolist(), blank)
        if zero_infinity and torch.isinf(loss):
            loss = torch.zeros((), dtype=log_probs.dtype)
        losses.append(loss)
    loss = torch.stack(losses)
    if reduction == "mean":
        return (loss / target_lengths.clamp(min=1)).mean()
    return _reduce(loss, reduction)


def my_dice_loss(input, target, smooth=1e-6):
    dims = tuple(range(1, input.dim()))
    overlap = (input * target).sum(dims)
    dice = (2 * overlap + smooth) / (input.sum(dims) + target.sum(dims) + smooth)
    return 1 - dice.mean()


def my_ssim(img1, img2, data_range=1.0, win_size=11, sigma=1.5, k1=0.01, k2=0.03,
            reduction="mean"):
    channels = img1.shape[1]
    x = torch.arange(win_size, dtype=img1.dtype) - win_size // 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = g / g.sum()
    rows = g.view(1, 1, -1, 1).repeat(channels, 1, 1, 1)
    cols = g.view(1, 1, 1, -1).repeat(channels, 1, 1, 1)

    def blur(z):  # the Gaussian mean over every full window ('valid')
        z = torch.nn.functional.conv2d(z, rows, groups=channels)
        return torch.nn.functional.conv2d(z, cols, groups=channels)

    mu1, mu2 = blur(img1), blur(img2)
    var1 = blur(img1 * img1) - mu1**2
    var2 = blur(img2 * img2) - mu2**2
    cov = blur(img1 * img2) - mu1 * mu2
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    s = ((2 * mu1 * mu2 + c1) * (2 * cov + c2)) / ((mu1**2 + mu2**2 + c1) * (var1 + var2 + c2))
    per_image = s.flatten(1).mean(1)
    return per_image.mean() if reduction == "mean" else _reduce(per_image, reduction)


def my_accumulate_and_clip(grads, max_norm):
    mean = grads.sum(0) / len(grads)              # the group's mean gradient
    scale = max_norm / (mean.norm() + 1e-6)
    return mean * scale.clamp(max=1)


def my_log_softmax(input, dim):
    shifted = input - input.amax(dim, keepdim=True)   # the largest is 0: exp cannot overflow
    return shifted - shifted.exp().sum(dim, keepdim=True).log()


def my_loss_at_init(num_classes, batch_size, reduction="mean", multi_label=False):
    import math

    if multi_label:
        losses = torch.full((batch_size, num_classes), math.log(2))
    else:
        losses = torch.full((batch_size,), math.log(num_classes))
    return _reduce(losses, reduction)
