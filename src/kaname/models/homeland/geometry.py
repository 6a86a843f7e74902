"""Space-based interceptor geometry: reach, the share of a constellation within reach of a
launch, and the absentee ratio, vectorised over samples.

A launch at latitude φ can be reached by every interceptor inside a spherical cap of
angular radius ρ = r / R_s on the orbital shell of radius R_s = R_E + h, where the reach
r = v · t_a is the kill vehicle's fly-out speed times the time available (boost time minus
detection and decision delays). Satellites in circular orbits of inclination i are not
spread evenly in latitude: relative to a uniform spread their area density is

    g(φ, i) = 2 / (π √(sin² i − sin² φ))   for |φ| < i, else 0,

which is singular at φ = i. The share of the constellation in reach is the integral of the
density over the cap,

    f = 1/(4π) ∫_cap g dA = (1/π²) ∫ Δλ(φ(θ)) dθ,   sin φ = sin i · sin θ,

where Δλ(φ) is the cap's half-width in longitude at latitude φ. The substitution removes the
singularity exactly (g cos φ dφ = (2/π) dθ), so a fixed Gauss–Legendre rule in θ integrates
g over the cap accurately even when the cap straddles φ = i. For a small cap far from i,
f → (1 − cos ρ)/2 · g(φ, i).

References
----------
Barton, D. K. et al. (2004). Report of the American Physical Society Study Group on Boost-Phase
Intercept Systems for National Missile Defense. *Rev. Mod. Phys.* 76, S1.
Vallado, D. A. (2013). *Fundamentals of Astrodynamics and Applications*, 4th ed. (ground-track
latitude distribution of a circular orbit).
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0  # mean radius (IUGG)

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)
_U = (_NODES + 1.0) * np.pi / 2.0
_HALF_ONE_MINUS_COS = (1.0 - np.cos(_U)) / 2.0
_HALF_SIN_HALF_PI = np.sin(_U) / 2.0 * np.pi / 2.0


def time_available(boost_time_s, detection_delay_s, decision_delay_s):
    """Seconds left to fly out after the launch is detected and the shot is decided."""
    return np.asarray(boost_time_s) - np.asarray(detection_delay_s) - np.asarray(decision_delay_s)


def reach_angle(speed_km_s, time_s, altitude_km):
    """Angular radius ρ (radians) of the reach cap on the shell R_E + h; capped at π."""
    shell = EARTH_RADIUS_KM + np.asarray(altitude_km, dtype=float)
    reach = np.maximum(np.asarray(speed_km_s, dtype=float) * np.asarray(time_s, dtype=float), 0.0)
    return np.minimum(reach / shell, np.pi)


def cap_area(radius_km, angle_rad):
    """Closed form area of a spherical cap of angular radius ρ: 2πR²(1 − cos ρ)."""
    return 2.0 * np.pi * np.asarray(radius_km) ** 2 * (1.0 - np.cos(angle_rad))


def cap_share_uniform(angle_rad):
    """Share of a uniformly spread constellation within a cap: (1 − cos ρ)/2."""
    return 0.5 * (1.0 - np.cos(angle_rad))


def latitude_density(lat_rad, incl_rad):
    """g(φ, i): area density of satellites at latitude φ relative to a uniform spread."""
    lat = np.asarray(lat_rad, dtype=float)
    incl = np.asarray(incl_rad, dtype=float)
    gap = np.sin(incl) ** 2 - np.sin(lat) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 2.0 / (np.pi * np.sqrt(gap))
    return np.where(gap > 0.0, g, 0.0)


def latitude_pdf(lat_rad, incl_rad):
    """Probability density of a satellite's latitude: g(φ, i) · cos φ / 2 (integrates to 1)."""
    return latitude_density(lat_rad, incl_rad) * np.cos(lat_rad) / 2.0


def cap_half_width(lat_rad, centre_lat_rad, angle_rad):
    """Half-width in longitude Δλ(φ) of a cap of radius ρ centred at latitude φ0."""
    lat = np.asarray(lat_rad, dtype=float)
    c0 = np.asarray(centre_lat_rad, dtype=float)
    rho = np.asarray(angle_rad, dtype=float)
    denom = np.cos(lat) * np.cos(c0)
    with np.errstate(divide="ignore", invalid="ignore"):
        arg = (np.cos(rho) - np.sin(lat) * np.sin(c0)) / denom
    arg = np.where(denom > 1e-15, arg, np.where(np.cos(rho) <= np.sin(lat) * np.sin(c0), -1.0, 2.0))
    return np.where(arg >= 1.0, 0.0, np.arccos(np.clip(arg, -1.0, 1.0)))


def cap_area_by_bands(radius_km, centre_lat_rad, angle_rad):
    """Cap area integrated band by band in latitude (checks the longitude half-width)."""
    c0 = np.asarray(centre_lat_rad, dtype=float)[..., None]
    rho = np.asarray(angle_rad, dtype=float)[..., None]
    lo = np.maximum(c0 - rho, -np.pi / 2)
    hi = np.minimum(c0 + rho, np.pi / 2)
    # substitute φ = lo + (hi - lo)(1 - cos u)/2 to tame the square-root edges
    u = (_NODES + 1.0) * np.pi / 2.0
    lat = lo + (hi - lo) * (1.0 - np.cos(u)) / 2.0
    jac = (hi - lo) * np.sin(u) / 2.0 * np.pi / 2.0
    integrand = 2.0 * cap_half_width(lat, c0, rho) * np.cos(lat) * jac
    return np.asarray(radius_km) ** 2 * np.sum(integrand * _WEIGHTS, axis=-1)


def share_in_reach(launch_lat_deg, incl_deg, angle_rad):
    """f: share of a constellation of inclination i within reach (cap radius ρ) of a launch
    at latitude φ, integrating the latitude density over the cap.

    Vectorised over any broadcastable shapes; returns 0 where no orbit passes over the cap.
    """
    c0 = np.abs(np.radians(np.asarray(launch_lat_deg, dtype=float)))
    incl = np.radians(np.asarray(incl_deg, dtype=float))
    incl = np.where(incl > np.pi / 2, np.pi - incl, incl)  # retrograde: same latitude band
    rho = np.asarray(angle_rad, dtype=float)
    c0, incl, rho = np.broadcast_arrays(c0, incl, rho)
    s_i = np.maximum(np.sin(incl), 1e-12)
    lat_lo = np.maximum(c0 - rho, -np.pi / 2)
    lat_hi = np.minimum(c0 + rho, np.pi / 2)
    theta_lo = np.arcsin(np.clip(np.sin(lat_lo) / s_i, -1.0, 1.0))
    theta_hi = np.arcsin(np.clip(np.sin(lat_hi) / s_i, -1.0, 1.0))
    theta_lo, theta_hi = theta_lo[..., None], theta_hi[..., None]
    # cosine-spaced nodes cluster at both ends, where Δλ has square-root edges
    theta = theta_lo + (theta_hi - theta_lo) * _HALF_ONE_MINUS_COS
    jac = (theta_hi - theta_lo) * _HALF_SIN_HALF_PI
    # Δλ from sin φ = sin i sin θ directly (no arcsin/sin/cos of φ: this is the hot loop)
    sin_lat = s_i[..., None] * np.sin(theta)
    cos_lat = np.sqrt(np.maximum(1.0 - sin_lat * sin_lat, 0.0))
    denom = cos_lat * np.cos(c0)[..., None]
    numer = np.cos(rho)[..., None] - sin_lat * np.sin(c0)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        arg = np.where(denom > 1e-15, numer / denom, np.where(numer <= 0, -1.0, 2.0))
    width = np.arccos(np.clip(arg, -1.0, 1.0))
    f = np.sum(width * jac * _WEIGHTS, axis=-1) / np.pi**2
    return np.clip(f, 0.0, 1.0)
