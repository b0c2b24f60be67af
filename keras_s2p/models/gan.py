"""`SketchToPhotoGAN`: a `keras.Model` whose `train_step` runs WGAN-GP critic updates and an L1 + perceptual
generator update, so ``model.fit()`` trains it, ``evaluate()`` scores it and ``predict()`` draws photos."""

import copy
import warnings

import keras
import tensorflow as tf
from keras.optimizers import LossScaleOptimizer

from keras_s2p.compat import multiworker_fit
from keras_s2p.errors import ConfigError, WeightsUnavailableError
from keras_s2p.hints import no_hints, sample_hints
from keras_s2p.losses import (
    PerceptualLoss,
    l1_loss,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
    wasserstein_gradient_penalty,
)
from keras_s2p.metrics import EVAL_METRICS, LOSS, LOSS_TOTALS, STYLE_METRICS, TRAIN_METRICS, trackers
from keras_s2p.models.critic import critic_features
from keras_s2p.models.gan_options import MODEL_DEFAULTS as DEFAULTS
from keras_s2p.models.gan_options import MODEL_OPTIONS, STYLE_OPTIONS, default_downsamples
from keras_s2p.models.generator import build_generator
from keras_s2p.models.multi_scale_critic import build_multi_scale_critic, downscale, scale_critics
from keras_s2p.models.optimizer_pair import OptimizerPair
from keras_s2p.models.precise_batch_norm import (
    CALIBRATION_BATCHES,
    RecalibrateBatchNorm,
    batch_norm_layers,
    calibration_batches,
    recalibrate,
)
from keras_s2p.models.style import build_style_encoder, kl_divergence, sample_styles
from keras_s2p.options import ADAM_BETAS, TRAINING_DEFAULTS, check, describe
from keras_s2p.precision import dtype_policy_scope, resolve_precision


def default_optimizer(learning_rate=TRAINING_DEFAULTS["g_learning_rate"], **kwargs):
    """Adam with `keras_s2p.options.ADAM_BETAS` (pix2pix's beta_1 with WGAN-GP's beta_2), both networks' default.

    Args:
        learning_rate: a rate or a `keras.optimizers.schedules.LearningRateSchedule`; default pix2pix's 2e-4.
        **kwargs: more `keras.optimizers.Adam` arguments (``use_ema``, ``ema_momentum``).
    """
    beta_1, beta_2 = ADAM_BETAS
    return keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2, **kwargs)


@keras.saving.register_keras_serializable(package="keras_s2p")
class SketchToPhotoGAN(keras.Model):
    __doc__ = f"""Sketch-to-photo GAN: generator + WGAN-GP critic, trained with ``fit()`` on (sketch, photo) batches.

    Images are float in [-1, 1], shape ``(B, H, W, 3)``. Each training batch is used as follows: the generator
    runs once on the sketches; with that output held fixed (the generator does not change while the critic
    trains), the critic takes ``critic_steps`` Adam steps on the same real/generated pair, each with fresh
    gradient-penalty interpolates; then the generator takes one step on
    ``adversarial + l1_weight * L1 + perceptual_weight * perceptual + feature_matching_weight * FM``, reusing
    the recorded forward pass. So one epoch over N batches makes N generator updates and ``N * critic_steps``
    critic updates.

    With ``critic_scales`` 2 or 3 each scale's critic scores the pair average-pooled to its resolution: the
    Wasserstein terms are summed over scales, and each scale's gradient penalty is taken with respect to its own
    input (the same interpolation weights at every scale) and summed.

    Metrics: `keras_s2p.metrics.TRAIN_METRICS` (epoch means of the loss terms; ``w_distance`` is the critic score
    of real minus generated, summed over scales like ``gp``; ``l1`` is on RGB in [0, 1]), ``loss`` (``d_loss +
    g_loss``, which Keras' callbacks read), and `keras_s2p.metrics.EVAL_METRICS` from ``evaluate()`` and
    validation (generated against real photos, inference mode), each with the direction Keras' callbacks read in
    mode ``"auto"``. ``model.optimizer`` is an `OptimizerPair`: Keras' learning-rate callbacks move both
    optimizers' rates.

    Args:
{describe(MODEL_OPTIONS)}
        generator: a prebuilt generator model, used instead of one built from the generator arguments.
        critic: a prebuilt critic model, used instead of one built from the critic arguments.

    Raises:
        ConfigError: an invalid argument.

    Example:
        >>> gan = SketchToPhotoGAN(image_size=64, base_filters=8, num_res_blocks=1, perceptual_weight=0)
        >>> gan.compile()
        >>> gan.fit(train_ds, epochs=10, validation_data=val_ds)
        >>> photos = gan.predict(sketches)

    Saving: ``gan.save("model.keras")`` stores both networks, the configuration and both optimizers' state;
    ``keras.saving.load_model`` returns a compiled model ready to ``evaluate`` or continue ``fit`` (VGG19 is
    reloaded from `perceptual_weights` only when training starts). ``gan.generator.save(...)`` writes the
    generator alone for inference.
    """

    def __init__(
        self,
        image_size=DEFAULTS["image_size"],
        base_filters=DEFAULTS["base_filters"],
        num_downsamples=DEFAULTS["num_downsamples"],
        num_res_blocks=DEFAULTS["num_res_blocks"],
        upsampling=DEFAULTS["upsampling"],
        skip_connections=DEFAULTS["skip_connections"],
        generator_norm=DEFAULTS["generator_norm"],
        critic_filters=DEFAULTS["critic_filters"],
        critic_layers=DEFAULTS["critic_layers"],
        critic_output=DEFAULTS["critic_output"],
        conditional_critic=DEFAULTS["conditional_critic"],
        critic_scales=DEFAULTS["critic_scales"],
        attention=DEFAULTS["attention"],
        color_hints=DEFAULTS["color_hints"],
        style_dim=DEFAULTS["style_dim"],
        kl_weight=DEFAULTS["kl_weight"],
        latent_weight=DEFAULTS["latent_weight"],
        hint_recolor=DEFAULTS["hint_recolor"],
        critic_steps=DEFAULTS["critic_steps"],
        gp_weight=DEFAULTS["gp_weight"],
        l1_weight=DEFAULTS["l1_weight"],
        perceptual_weight=DEFAULTS["perceptual_weight"],
        perceptual_weights=DEFAULTS["perceptual_weights"],
        perceptual_layers=DEFAULTS["perceptual_layers"],
        perceptual_layer_weights=DEFAULTS["perceptual_layer_weights"],
        perceptual_precision=DEFAULTS["perceptual_precision"],
        feature_matching_weight=DEFAULTS["feature_matching_weight"],
        precision=DEFAULTS["precision"],
        generator=None,
        critic=None,
        **kwargs,
    ):
        arguments = locals()
        super().__init__(**kwargs)
        # Validated, converted and stored as MODEL_OPTIONS declare them; get_config reads them back the same way.
        for name, value in check(MODEL_OPTIONS, arguments).items():
            setattr(self, name, value)
        if num_downsamples is None:
            self.num_downsamples = default_downsamples(self.image_size)
        self.compute_precision = resolve_precision(precision)
        self.perceptual_compute_precision = (
            self.compute_precision if perceptual_precision == "auto" else resolve_precision(perceptual_precision)
        )
        with dtype_policy_scope(self.compute_precision):
            # Networks built from the arguments are rebuilt from them on loading; custom ones are serialised.
            self._custom_networks = {"generator": generator is not None, "critic": critic is not None}
            self.generator = generator or build_generator(
                self.image_size, self.base_filters, self.num_downsamples, self.num_res_blocks, self.upsampling,
                self.skip_connections, self.generator_norm, self.attention, self.color_hints, self.style_dim,
            )
            # The style encoder (style_dim > 0) is trained with the generator, by the generator's optimizer.
            self.style_encoder = build_style_encoder(self.style_dim, self.base_filters) if self.style_dim else None
            self.critic = critic or build_multi_scale_critic(
                self.critic_scales, self.image_size, self.attention, base_filters=self.critic_filters,
                num_layers=self.critic_layers, output=self.critic_output, conditional=self.conditional_critic,
                color_hints=self.color_hints,
            )
        expected = 1 + self.color_hints + bool(self.style_dim)
        if len(self.generator.inputs) != expected:
            style = f" and style_dim={self.style_dim}" if self.style_dim else ""
            raise ConfigError(f"generator {self.generator.name!r} takes {len(self.generator.inputs)} input(s); "
                              f"color_hints={self.color_hints}{style} needs {expected}")
        # Per scale: (downscaling factor, that scale's critic, its features model for feature matching or None).
        self._scales = [(factor, scale_critic, critic_features(scale_critic) if feature_matching_weight > 0 else None)
                        for factor, scale_critic in scale_critics(self.critic)]
        self._train_trackers, train_list = trackers(
            {name: m for name, m in TRAIN_METRICS.items() if self.style_dim or name not in STYLE_METRICS}, "training")
        self._eval_trackers, eval_list = trackers(EVAL_METRICS, "evaluation")
        self._metric_lists = [train_list, eval_list]
        self._perceptual = None
        self.perceptual_disabled = None  # why the perceptual term was turned off (`compile`)
        self.g_optimizer = None
        self.d_optimizer = None
        self.built = True  # both sub-models are built; BackupAndRestore and save_weights need a built model

    # ----------------------------------------------------------------------------------------------- compile
    def compile(self, g_optimizer=None, d_optimizer=None, require_perceptual=False, **kwargs):
        """Configure training; builds both optimizers (so their state saves and restores) and VGG19.

        When the VGG19 weights cannot be loaded (offline, no cached file) and `require_perceptual` is false, this
        warns once and trains without the perceptual term (``perceptual_weight`` becomes 0, the reason is in
        ``perceptual_disabled``), as ``s2p train`` does.

        Args:
            g_optimizer: generator optimizer; default `default_optimizer()`.
            d_optimizer: critic optimizer; default `default_optimizer()`.
            require_perceptual: raise instead of warning when the VGG19 weights are unavailable.
            **kwargs: passed to `keras.Model.compile` (e.g. ``jit_compile``, ``steps_per_execution``,
                ``run_eagerly``). ``loss`` and ``metrics`` are not used: the losses are the GAN's own.

        Raises:
            WeightsUnavailableError: `require_perceptual`, ``perceptual_weight > 0`` and the VGG19 weights cannot
                be loaded.
        """
        self._compile(g_optimizer, d_optimizer, **kwargs)
        self._ensure_perceptual(required=require_perceptual)

    def _compile(self, g_optimizer, d_optimizer, **kwargs):
        g_optimizer = g_optimizer or default_optimizer()
        d_optimizer = d_optimizer or default_optimizer()
        if self.compute_precision == "mixed_float16":
            # Keras wraps only `self.optimizer`; both GAN optimizers need dynamic loss scaling.
            g_optimizer, d_optimizer = (opt if isinstance(opt, LossScaleOptimizer) else LossScaleOptimizer(opt)
                                        for opt in (g_optimizer, d_optimizer))
        if g_optimizer is d_optimizer:
            raise ConfigError("g_optimizer and d_optimizer must be two different optimizer instances")
        multiworker_fit.apply_for(self.distribute_strategy)  # Keras' own fit() fails under multi-worker strategies
        self._compile_kwargs = dict(kwargs)
        super().compile(optimizer=g_optimizer, **kwargs)
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        # What Keras' callbacks read and set: one learning rate moving both optimizers (see OptimizerPair).
        self.optimizer = OptimizerPair(g_optimizer, d_optimizer)
        g_optimizer.build(self._generator_variables())
        d_optimizer.build(self.critic.trainable_variables)

    def get_compile_config(self):
        if self.g_optimizer is None:
            return None
        return {
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        config = dict(config)
        g_optimizer = keras.saving.deserialize_keras_object(config.pop("g_optimizer"))
        d_optimizer = keras.saving.deserialize_keras_object(config.pop("d_optimizer"))
        # Loading must work offline: VGG19 is loaded when training starts (`make_train_function`).
        self._compile(g_optimizer, d_optimizer, **config)

    def _ensure_perceptual(self, required=False):
        if self.perceptual_weight > 0 and self._perceptual is None:
            try:
                self._perceptual = PerceptualLoss(
                    self.perceptual_weights, self.perceptual_layers, self.perceptual_layer_weights,
                    self.perceptual_compute_precision,
                )
            except WeightsUnavailableError as error:
                if required:
                    raise
                warnings.warn(f"training without the perceptual term: {error}", stacklevel=3)
                self.perceptual_weight = 0.0
                self.perceptual_disabled = str(error)

    def make_train_function(self, force=False):
        self._ensure_perceptual()
        return super().make_train_function(force)

    def recalibrate(self, dataset, batches=CALIBRATION_BATCHES):
        """Recompute the generator's BatchNorm statistics with its current weights (precise BatchNorm).

        A no-op for generators without BatchNorm (``generator_norm`` instance, group or none).

        Args:
            dataset: batches of ``(sketch, photo)`` or of sketches, as used in training.
            batches: batches to average over.

        Returns:
            int: images used (0 without BatchNorm).

        Example:
            >>> gan.recalibrate(train_ds)
        """
        return recalibrate(self.generator, dataset, batches)

    # ----------------------------------------------------------------------------------------------- steps
    @property
    def metrics(self):
        """Two Keras metric lists, training and evaluation: each tracker carries its direction for mode "auto"."""
        return list(self._metric_lists)

    def fit(self, x=None, y=None, batch_size=None, callbacks=None, **kwargs):
        """`keras.Model.fit`, keeping the inference-mode generator true to its weights.

        A generator with BatchNorm is recalibrated before every validation and at every epoch end: unless
        `callbacks` already hold a `RecalibrateBatchNorm`, one is added first that recalibrates from `x`. At the end,
        optimizers with ``use_ema=True`` put their averages into the weights (Keras does that only for a single
        optimizer; here each one finalises its own network), and BatchNorm is recalibrated for those weights.
        """
        callbacks = list(callbacks or [])
        calibrate = next((c for c in callbacks if isinstance(c, RecalibrateBatchNorm)), None)
        if calibrate is None and batch_norm_layers(self.generator):
            calibrate = RecalibrateBatchNorm(calibration_batches(x, batch_size))
            callbacks.insert(0, calibrate)
        history = super().fit(x, y, batch_size=batch_size, callbacks=callbacks, **kwargs)
        if history.epoch:
            self.g_optimizer.finalize_variable_values(self._generator_variables())
            self.d_optimizer.finalize_variable_values(self.critic.trainable_variables)
            if getattr(self.g_optimizer, "use_ema", False) and calibrate is not None:
                recalibrate(self.generator, calibrate.dataset, calibrate.batches)
        return history

    def _generator_variables(self):
        """What the generator's optimizer trains: the generator, and the style encoder if any."""
        encoder = self.style_encoder.trainable_variables if self.style_dim else []
        return [*self.generator.trainable_variables, *encoder]

    def call(self, inputs, training=False):
        """The generator's photos for sketches, or for ``[sketch, hints]`` (sketches alone: no hints), or for a
        dict ``{"sketch", "hints" (optional), "style" (optional)}``; without a style, a style model uses the
        prior's mean code (zeros)."""
        style = None
        if isinstance(inputs, dict):
            style = inputs.get("style")
            inputs = [inputs["sketch"], inputs["hints"]] if "hints" in inputs else inputs["sketch"]
        condition = self._condition(inputs)
        if self.style_dim and style is None:
            style = tf.zeros([tf.shape(condition[0])[0], self.style_dim])
        return self._generate(condition, training, style)

    def _generate(self, condition, training, style=None):
        inputs = list(condition) if self.color_hints else condition[:1]
        if self.style_dim:
            inputs.append(style)
        return self.generator(inputs if len(inputs) > 1 else inputs[0], training=training)

    # ----------------------------------------------------------------------------------------------- style
    def predict(self, x, style=None, **kwargs):
        """`keras.Model.predict`, with a style code for a model trained with ``style_dim > 0``.

        Args:
            x: sketches, or ``[sketch, hints]`` for a colour-hint model.
            style: codes ``(N, style_dim)`` (one per sketch) or ``(style_dim,)`` (the same for all), e.g. from
                `encode_style` or `sample_styles`; None: the prior's mean code (zeros).
            **kwargs: `keras.Model.predict`'s other arguments.

        Raises:
            ConfigError: a style for a model without one, or a style of the wrong shape.

        Example:
            >>> photos = gan.predict(np.repeat(sketch[None], 8, 0), style=gan.sample_styles(8, seed=0))
        """
        if style is None:
            return super().predict(x, **kwargs)
        if not self.style_dim:
            raise ConfigError("this model has no style code (style_dim=0): train with style_dim > 0 to pass style")
        sketch = x[0] if isinstance(x, (list, tuple)) else x
        count = len(sketch)
        style = tf.convert_to_tensor(style, tf.float32)
        if style.shape.rank == 1:
            style = tf.tile(style[None], [count, 1])
        if tuple(style.shape) != (count, self.style_dim):
            raise ConfigError(f"style has shape {tuple(style.shape)}; expected ({count}, {self.style_dim}) or "
                              f"({self.style_dim},) for {count} sketches")
        inputs = {"sketch": sketch, "style": style.numpy()}
        if isinstance(x, (list, tuple)):
            inputs["hints"] = x[1]
        return super().predict(inputs, **kwargs)

    def encode_style(self, photos, batch_size=32):
        """The style codes of photos (in [-1, 1], ``(N, H, W, 3)``): the encoder's means, ``(N, style_dim)``.

        Raises:
            ConfigError: the model has no style code.

        Example:
            >>> photos = gan.predict(sketches, style=gan.encode_style(reference_photos))
        """
        self._require_style("encode_style")
        return self.style_encoder.predict(photos, batch_size=batch_size, verbose=0)[0]

    def sample_styles(self, n, seed=0):
        """`n` random style codes from the prior N(0, I), ``(n, style_dim)``, the same for the same `seed`.

        Raises:
            ConfigError: the model has no style code.
        """
        self._require_style("sample_styles")
        return sample_styles(n, self.style_dim, seed)

    def _require_style(self, what):
        if not self.style_dim:
            raise ConfigError(f"{what} needs a model with a style code; this one has style_dim=0")

    def _style_codes(self, photo):
        """For a training batch: its photos' codes (reparameterised) and as many random codes, and the
        encoder's means and log-variances (recorded on the surrounding tape)."""
        mean, log_var = self.style_encoder(photo, training=True)
        noise = tf.random.stateless_normal(tf.shape(mean), self._seed(self.g_optimizer, 2))
        random_code = tf.random.stateless_normal(tf.shape(mean), self._seed(self.g_optimizer, 3))
        code = tf.concat([mean + tf.exp(0.5 * log_var) * noise, random_code], 0)
        return {"code": code, "mean": mean, "log_var": log_var, "random": random_code}

    def _condition(self, x):
        """The generator's inputs, as a list, for x = sketches or ``(sketch, hints)``: hints missing from a hint
        model's x are empty."""
        if isinstance(x, (list, tuple)):
            if not self.color_hints:
                raise ConfigError(f"this model takes sketches alone (color_hints=False), got {len(x)} inputs")
            return list(x)
        if not self.color_hints:
            return [x]
        x = tf.convert_to_tensor(x)
        return [x, no_hints(x)]

    def _critic(self, scale, condition, photo, features=False):
        """Scores of (condition, photo) pairs, already downscaled to critic `scale` (an index into
        ``self._scales``); with `features`, ``(hidden_activations, scores)``."""
        _, critic, with_features = self._scales[scale]
        inputs = [*condition, photo] if self.conditional_critic else photo
        if not features:
            return critic(inputs, training=True)
        *hidden, scores = with_features(inputs, training=True)
        return hidden, scores

    @staticmethod
    def _seed(optimizer, stream=0):
        """Stateless seed of this step's random draws: (replica, `optimizer`'s step count), folded with `stream`.

        The optimizers' step counts are saved and restored with the model, so a resumed run draws what an
        uninterrupted one would; replicas draw differently. Streams: 0 gradient-penalty interpolation weights
        (critic steps), 1 training hints, 2 and 3 the style codes' noise and random codes (generator steps).
        """
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        seed = tf.stack([tf.cast(replica, tf.int64), tf.cast(optimizer.iterations, tf.int64)])
        return tf.random.experimental.stateless_fold_in(seed, stream) if stream else seed

    def train_step(self, data):
        """One batch: the generator's forward pass, `critic_steps` of `train_critic`, one `train_generator`; every
        loss they return updates its tracker (`keras_s2p.metrics.TRAIN_METRICS`)."""
        x, photo = data[0], data[1]
        if self.color_hints and not isinstance(x, (list, tuple)):  # hints drawn from the (maybe recoloured) photo
            photo, hints = sample_hints(photo, self._seed(self.g_optimizer, 1), self.hint_recolor)
            x = [x, hints]
        condition = self._condition(x)
        style = None
        with tf.GradientTape() as g_tape:
            if self.style_dim:  # BicycleGAN: the batch with its photos' codes (cVAE-GAN), then with random codes (cLR)
                style = self._style_codes(photo)
                condition = [tf.concat([c, c], 0) for c in condition]
            fake = self._generate(condition, True, style["code"] if style else None)
        real = tf.concat([photo, photo], 0) if self.style_dim else photo
        fake_fixed = tf.stop_gradient(fake)
        # (condition, photo, generated photo) at each critic's scale.
        pyramid = [([downscale(x, factor) for x in condition], downscale(real, factor), downscale(fake_fixed, factor))
                   for factor, _, _ in self._scales]
        steps = [self.train_critic(pyramid) for _ in range(self.critic_steps)]
        steps.append(self.train_generator(g_tape, pyramid, photo, fake, style))
        for losses in steps:
            for name, value in losses.items():
                self._train_trackers[name].update_state(value)
        logs = {name: tracker.result() for name, tracker in self._train_trackers.items()}
        logs[LOSS] = tf.add_n([logs[name] for name in LOSS_TOTALS])
        return logs

    def _replica_mean(self, loss, optimizer):
        """`loss` averaged over the global batch and scaled for `optimizer` (mixed float16): hand-computed losses
        are per-replica means, and gradients are summed across replicas."""
        return optimizer.scale_loss(loss / self.distribute_strategy.num_replicas_in_sync)

    def train_critic(self, pyramid):
        """One critic update on the real and the (fixed) generated photos at every scale.

        Args:
            pyramid: per critic scale, ``(condition, photo, generated photo)`` at that scale.

        Returns:
            dict: ``d_loss``, ``gp`` and ``w_distance`` (names of `keras_s2p.metrics.TRAIN_METRICS`).
        """
        batch = tf.shape(pyramid[0][1])[0]
        critic_vars = self.critic.trainable_variables
        with tf.GradientTape() as d_tape:
            critic_losses, penalties = [], []
            for scale, (conditions, photos, fakes) in enumerate(pyramid):
                both = [tf.concat([x, x], 0) for x in conditions]
                scores = self._critic(scale, both, tf.concat([photos, fakes], 0))  # real and generated at once
                critic_losses.append(wasserstein_critic_loss(scores[:batch], scores[batch:]))
                # One seed for all scales: each scale's interpolates are the full-size ones downscaled.
                penalties.append(wasserstein_gradient_penalty(
                    lambda x, scale=scale, conditions=conditions: self._critic(scale, conditions, x), photos,
                    fakes, seed=self._seed(self.d_optimizer)))
            critic_loss, gp = tf.add_n(critic_losses), tf.add_n(penalties)
            d_loss = critic_loss + self.gp_weight * gp
            scaled = self._replica_mean(d_loss, self.d_optimizer)
        self.d_optimizer.apply(d_tape.gradient(scaled, critic_vars), critic_vars)
        return {"d_loss": d_loss, "gp": gp, "w_distance": -critic_loss}

    def train_generator(self, g_tape, pyramid, photo, fake, style=None):
        """One generator update: adversarial + L1 + perceptual + feature-matching (+ KL + latent) terms, weighted.

        Args:
            g_tape: the `tf.GradientTape` that recorded the generator's forward pass; the losses are added to it.
            pyramid: per critic scale, ``(condition, photo, generated photo)`` at that scale.
            photo: the real photos.
            fake: the generated photos (recorded on `g_tape`); with `style`, those from the photos' own codes then
                those from random codes.
            style: with a style code, `_style_codes` of the batch: L1 and perceptual terms compare the photos
                rebuilt from their own codes; the style encoder (trained here too) adds ``kl`` and ``latent``.

        Returns:
            dict: ``g_loss``, ``l1`` (on RGB in [0, 1], like the evaluation metric), ``perceptual`` and
            ``feature_matching`` (and ``kl``, ``latent`` with a style code): names of
            `keras_s2p.metrics.TRAIN_METRICS`.
        """
        real_vgg = self._perceptual.extract(photo) if self._perceptual is not None else None
        matching = self.feature_matching_weight > 0
        real_hidden = [h for scale, (conditions, photos, _) in enumerate(pyramid)
                       for h in self._critic(scale, conditions, photos, features=True)[0]] if matching else None
        with g_tape:
            adversarial, fake_hidden = [], []
            for scale, (factor, _, _) in enumerate(self._scales):
                conditions, fakes = pyramid[scale][0], downscale(fake, factor)
                if matching:
                    hidden, fake_scores = self._critic(scale, conditions, fakes, features=True)
                    fake_hidden += hidden
                else:
                    fake_scores = self._critic(scale, conditions, fakes)
                adversarial.append(wasserstein_generator_loss(fake_scores))
            adversarial = tf.add_n(adversarial)
            rebuilt = fake[:tf.shape(photo)[0]] if style else fake
            l1 = l1_loss(photo, rebuilt)
            g_loss = adversarial + self.l1_weight * l1
            perceptual = feature_matching = tf.constant(0.0)
            if style:
                kl = kl_divergence(style["mean"], style["log_var"])
                regressed, _ = self.style_encoder(fake[tf.shape(photo)[0]:], training=True)
                latent = tf.reduce_mean(tf.abs(regressed - style["random"]))
                g_loss += self.kl_weight * kl + self.latent_weight * latent
            if real_vgg is not None:
                perceptual = self._perceptual.from_features(real_vgg, rebuilt)
                g_loss += self.perceptual_weight * perceptual
            if matching:
                feature_matching = tf.add_n([l1_loss(tf.stop_gradient(r), f) for r, f in zip(real_hidden, fake_hidden)])
                feature_matching /= len(real_hidden)
                g_loss += self.feature_matching_weight * feature_matching
            scaled = self._replica_mean(g_loss, self.g_optimizer)
        generator_vars = self._generator_variables()
        self.g_optimizer.apply(g_tape.gradient(scaled, generator_vars), generator_vars)
        losses = {"g_loss": g_loss, "l1": l1 / 2.0, "perceptual": perceptual, "feature_matching": feature_matching}
        return {**losses, "kl": kl, "latent": latent} if style else losses

    def test_step(self, data):
        photo = data[1]
        fake = self(data[0], training=False)
        for name, metric in EVAL_METRICS.items():
            self._eval_trackers[name].update_state(metric.score(photo, fake))
        return {name: tracker.result() for name, tracker in self._eval_trackers.items()}

    # ----------------------------------------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        for option in MODEL_OPTIONS:
            if option.name in STYLE_OPTIONS and not self.style_dim:
                continue  # a model without a style code writes the configuration it always did
            value = getattr(self, option.name)
            config[option.name] = list(value) if isinstance(value, tuple) else value
        config.update({name: keras.saving.serialize_keras_object(getattr(self, name)) if custom else None
                       for name, custom in self._custom_networks.items()})
        return config

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialisation consumes the nested dicts
        for key in ("generator", "critic"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
