"""The optimizers of a model, by learning-rate log name."""


def gan_optimizers(model):
    """``{"g_lr": g_optimizer, "d_lr": d_optimizer}`` for a GAN; ``{"g_lr": model.optimizer}`` otherwise."""
    g_optimizer = getattr(model, "g_optimizer", None) or model.optimizer
    d_optimizer = getattr(model, "d_optimizer", None)
    return {"g_lr": g_optimizer, "d_lr": d_optimizer} if d_optimizer is not None else {"g_lr": g_optimizer}
